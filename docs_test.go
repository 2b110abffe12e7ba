package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"prepay/tmf"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runnableDocs are the documents whose shell examples TestDocsRun runs:
// the README and every document it links that holds examples. Each runs in
// order against a fresh server, as a reader would.
var runnableDocs = []string{
	"README.md",
	"docs/balances.md",
	"docs/topup.md",
	"docs/history.md",
	"docs/sandbox.md",
	"docs/faults.md",
	"docs/tmf654.md",
	"docs/sandboxes.md",
	"docs/actions.md",
	"docs/events.md",
	"docs/time.md",
}

// docBlock is a fenced code block of a document.
type docBlock struct {
	lang       string
	start, end int // lines of the fences
	text       string
}

var fence = regexp.MustCompile("^```([a-z]*)\\s*$")

// docBlocks returns the fenced blocks of a markdown document.
func docBlocks(t *testing.T, lines []string) []docBlock {
	t.Helper()
	var blocks []docBlock
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := docBlock{lang: m[1], start: i}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
		}
		if i == len(lines) {
			t.Fatalf("line %d: unclosed code block", b.start+1)
		}
		b.end = i
		b.text = strings.Join(lines[b.start+1:b.end], "\n")
		blocks = append(blocks, b)
	}
	return blocks
}

// goCommands are the go commands a document may show; they are not run
// here (go test is running them), only held to what the repository has.
var goCommand = regexp.MustCompile(`^go (run \.( -h)?|test [^;&|]*)(\s+#.*)?$`)

// Volatile parts of an answer, masked in both the document and the output:
// times and dates follow the day the reader runs it, correlation ids made
// by the server are random, and curl's timings vary.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`), "<time>"},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`), "<date>"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`(?m)^Date: .*$`), "Date: <date>"},
	{regexp.MustCompile(`\b\d+\.\d+ s\b`), "<seconds> s"},
}

func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// normalize makes an example's output comparable: JSON values indented,
// Content-Length dropped (it follows the masked parts), volatile parts
// masked.
func normalize(s string) string {
	var keep []string
	for _, l := range strings.Split(prettyOutput(s), "\n") {
		if !strings.HasPrefix(l, "Content-Length:") {
			keep = append(keep, l)
		}
	}
	return mask(strings.Join(keep, "\n"))
}

// TestDocsRun runs every shell example of the README and the documents it
// links, in order, against a fresh server each, and compares what each
// prints with the output block that follows it in the document. With
// -update it rewrites those output blocks instead.
func TestDocsRun(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the examples use it", tool)
		}
	}
	for _, doc := range runnableDocs {
		t.Run(strings.TrimSuffix(filepath.Base(doc), ".md"), func(t *testing.T) {
			src, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(src), "\n")
			blocks := docBlocks(t, lines)
			base, stop := startRun(t, filepath.Join(t.TempDir(), "prepay.db"))
			defer stop()
			addr := strings.TrimPrefix(base, "http://")

			type edit struct {
				after, end int // replace lines (after, end] with text; end < 0: insert
				text       string
			}
			var edits []edit
			ran := 0
			for i, b := range blocks {
				if b.lang != "sh" {
					continue
				}
				if goCommandsOnly(b.text) {
					continue
				}
				ran++
				cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.ReplaceAll(b.text, "localhost:8080", addr))
				cmd.Env = append(os.Environ(), "PREPAY_URL="+base)
				out, err := runWithin(cmd, 30*time.Second)
				if err != nil {
					t.Errorf("%s:%d: example failed: %v\n%s\n%s", doc, b.start+1, err, b.text, out)
					continue
				}
				got := strings.TrimRight(string(out), "\n")
				var want *docBlock
				if i+1 < len(blocks) && blocks[i+1].lang != "sh" && onlyBlank(lines[b.end+1:blocks[i+1].start]) {
					want = &blocks[i+1]
				}
				if *update {
					lang := "text"
					if json.Valid(bytes.TrimSpace(out)) {
						lang = "json"
					}
					text := "```" + lang + "\n" + prettyOutput(got) + "\n```"
					if want != nil {
						edits = append(edits, edit{want.start - 1, want.end, text})
					} else {
						edits = append(edits, edit{b.end, -1, "\n" + text})
					}
					continue
				}
				if want == nil {
					t.Errorf("%s:%d: example has no output block after it (go test -run TestDocsRun -update writes it)", doc, b.start+1)
					continue
				}
				if diff := cmp.Diff(normalize(want.text), normalize(got)); diff != "" {
					t.Errorf("%s:%d: output differs from the document (-doc +got):\n%s", doc, b.start+1, diff)
				}
			}
			if ran == 0 {
				t.Errorf("%s: no shell example ran", doc)
			}
			if *update && len(edits) > 0 {
				for k := len(edits) - 1; k >= 0; k-- {
					e := edits[k]
					if e.end < 0 {
						lines = slices.Insert(lines, e.after+1, strings.Split(e.text, "\n")...)
					} else {
						lines = slices.Replace(lines, e.after+1, e.end+1, strings.Split(e.text, "\n")...)
					}
				}
				if err := os.WriteFile(doc, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// goCommandsOnly reports whether a block only shows go commands, which are
// held to the known ones rather than run.
func goCommandsOnly(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !goCommand.MatchString(l) {
			return false
		}
	}
	return true
}

func onlyBlank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// prettyOutput writes an example's output as the document shows it: each
// JSON value indented, other lines as printed, \r dropped.
func prettyOutput(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	var out []string
	rest := strings.TrimSpace(s)
	for rest != "" {
		if rest[0] == '{' || rest[0] == '[' {
			dec := json.NewDecoder(strings.NewReader(rest))
			var v json.RawMessage
			if err := dec.Decode(&v); err == nil {
				var buf bytes.Buffer
				if json.Compact(&buf, v); buf.Len() > 100 {
					buf.Reset()
					json.Indent(&buf, v, "", "  ")
				}
				out = append(out, buf.String())
				rest = strings.TrimSpace(rest[dec.InputOffset():])
				continue
			}
		}
		line, after, _ := strings.Cut(rest, "\n")
		rest = strings.TrimSpace(after)
		out = append(out, strings.TrimRight(line, " "))
	}
	return strings.Join(out, "\n")
}

// runWithin runs cmd and returns its combined output, killing it after d.
func runWithin(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return buf.Bytes(), err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return buf.Bytes(), fmt.Errorf("still running after %s", d)
	}
}

// TestDocsLinks checks every relative link of the runnable documents
// resolves, and that the go commands they show are ones that work here.
func TestDocsLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
	for _, doc := range runnableDocs {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(src), -1) {
			target := filepath.Join(filepath.Dir(doc), m[1])
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: link to %s does not resolve", doc, m[1])
			}
		}
	}
}

// TestDocsErrorCodes holds docs/errors.md's table to tmf's table of codes:
// the same codes, each with its status.
func TestDocsErrorCodes(t *testing.T) {
	src, err := os.ReadFile("docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]*)` \\| ([^|]+) \\|")
	var inDoc []string
	for _, m := range row.FindAllStringSubmatch(string(src), -1) {
		inDoc = append(inDoc, m[1]+" "+strings.TrimSpace(m[2]))
	}
	slices.Sort(inDoc)
	var want []string
	for _, c := range tmf.Codes() {
		status := "the fault's `status` (400–599)"
		if c.Status != 0 {
			status = strconv.Itoa(c.Status)
		}
		want = append(want, c.Code+" "+status)
	}
	if diff := cmp.Diff(want, inDoc); diff != "" {
		t.Errorf("codes and statuses (-tmf table +docs/errors.md):\n%s", diff)
	}
}
