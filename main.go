// Command prepay serves a stateful sandbox of a Caribbean telecom operator's
// prepaid balance APIs — real-time balances, top-up and balance action
// history — from one bbolt file, with real arithmetic and real errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // zones come with the binary, not from the host

	"prepay/auth"
	"prepay/counters"
	"prepay/due"
	"prepay/faults"
	"prepay/storage"
	"prepay/webhook"
)

// gcPercent is the collector's target when GOGC does not set one. What a
// request allocates is short-lived and the live heap is a few megabytes,
// so at Go's default of 100 the collector ran often enough to take a fifth
// of a top-up's CPU; at 400 it runs a quarter as often, for tens of
// megabytes more (docs/figures.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "prepay: %v\n", err)
		os.Exit(1)
	}
}

// Server limits: a slow or hostile client cannot hold a connection or a
// goroutine for long, and a shutdown waits a bounded time for requests.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	shutdownTimeout   = 10 * time.Second

	// faultMargin is the part of the write timeout that an injected
	// fault's latency may not take: the handler and the answer need time
	// too.
	faultMargin = 5 * time.Second
)

// newFaults reads the sandbox's faults kept in store.
func newFaults(store *storage.Store) (*faults.Set, error) {
	fs, err := faults.New(store, faults.Options{MaxLatency: writeTimeout - faultMargin})
	if err != nil {
		return nil, fmt.Errorf("read faults: %w", err)
	}
	return fs, nil
}

// config is what the flags and environment say.
type config struct {
	addr, db, data string
	maxSandboxes   int
	delivery       webhook.Options
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	or := func(env, def string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.addr, "addr", or("PREPAY_ADDR", ":8080"), "listen address (env PREPAY_ADDR)")
	fs.StringVar(&c.db, "db", or("PREPAY_DB", "prepay.db"), "bbolt database file (env PREPAY_DB)")
	fs.StringVar(&c.data, "data", or("PREPAY_DATA", ""), "data set loaded into a new database and by reset (env PREPAY_DATA; default the embedded demo)")
	maxSandboxes, err := strconv.Atoi(or("PREPAY_MAX_SANDBOXES", "1000"))
	if err != nil || maxSandboxes < 1 {
		return c, fmt.Errorf("PREPAY_MAX_SANDBOXES must be a positive integer; got %q", getenv("PREPAY_MAX_SANDBOXES"))
	}
	fs.IntVar(&c.maxSandboxes, "max-sandboxes", maxSandboxes, "the most sandboxes the server holds, the default one included (env PREPAY_MAX_SANDBOXES)")
	for _, d := range []struct {
		to        *time.Duration
		flag, env string
		def       time.Duration
		usage     string
	}{
		{&c.delivery.Backoff, "delivery-backoff", "PREPAY_DELIVERY_BACKOFF", webhook.DefaultBackoff, "the wait before a failed delivery's first retry, doubling after each"},
		{&c.delivery.MaxBackoff, "delivery-max-backoff", "PREPAY_DELIVERY_MAX_BACKOFF", webhook.DefaultMaxBackoff, "the longest wait between delivery attempts"},
		{&c.delivery.GiveUp, "delivery-give-up", "PREPAY_DELIVERY_GIVE_UP", webhook.DefaultGiveUp, "how long an event's delivery is retried before it is given up"},
		{&c.delivery.Timeout, "delivery-timeout", "PREPAY_DELIVERY_TIMEOUT", webhook.DefaultTimeout, "one delivery attempt's bound, connection to answer"},
	} {
		def := d.def
		if v := getenv(d.env); v != "" {
			if def, err = time.ParseDuration(v); err != nil || def <= 0 {
				return c, fmt.Errorf("%s must be a positive duration; got %q", d.env, v)
			}
		}
		fs.DurationVar(d.to, d.flag, def, d.usage+" (env "+d.env+")")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	for _, d := range []time.Duration{c.delivery.Backoff, c.delivery.MaxBackoff, c.delivery.GiveUp, c.delivery.Timeout} {
		if d <= 0 {
			return c, fmt.Errorf("-delivery-* durations must be positive; got %s", d)
		}
	}
	if c.maxSandboxes < 1 {
		return c, fmt.Errorf("-max-sandboxes must be at least 1; got %d", c.maxSandboxes)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
}

// run is the whole program: it serves until ctx is cancelled, then drains
// requests, closes the database and returns nil.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))

	dataSet := storage.Demo
	if cfg.data != "" {
		if dataSet, err = os.ReadFile(cfg.data); err != nil {
			return fmt.Errorf("read data set: %w", err)
		}
	}
	ds, err := storage.ParseDataSet(dataSet)
	if err != nil {
		return err
	}

	// The address first: a busy port must leave no new database behind.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	store, err := storage.Open(cfg.db)
	if err != nil {
		return err
	}
	defer store.Close()
	empty, err := store.Empty()
	if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	if empty {
		if err := store.Load(ds, time.Now()); err != nil {
			return fmt.Errorf("load data set: %w", err)
		}
		logger.Info("loaded data set", "db", cfg.db, "subscribers", len(ds.Subscribers))
	}
	guard, err := auth.New(store, time.Now)
	if err != nil {
		return err
	}

	fs, err := newFaults(store)
	if err != nil {
		return err
	}

	handler := newHandler(logger, deps{store: store, guard: guard, dataSet: ds, faults: fs, counts: counters.New(), maxSandboxes: cfg.maxSandboxes})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", "addr", ln.Addr().String(), "db", cfg.db)

	// Deliveries run beside the server, never on a request's path; they
	// stop after it, so that no request's event waits on them.
	opts := cfg.delivery
	opts.Logger = logger
	dispatch, stopDispatch := context.WithCancel(context.Background())
	defer stopDispatch()
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		webhook.New(store, opts).Run(dispatch)
	}()

	// What falls due as real time passes: one goroutine, stopped before the
	// database closes.
	workerCtx, cancelWorker := context.WithCancel(context.Background())
	ticker := time.NewTicker(due.Every)
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); due.Run(workerCtx, store, ticker.C, logger) }()
	stopWorker := func() { cancelWorker(); <-workerDone; ticker.Stop() }
	defer stopWorker()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		stopDispatch()
		<-dispatched
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown: requests still running were cut off", "err", err.Error())
	}
	stopWorker()
	stopDispatch()
	<-dispatched
	if err := store.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	logger.Info("stopped")
	return nil
}
