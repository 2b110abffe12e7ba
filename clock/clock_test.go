package clock

import (
	"testing"
	"time"
)

func TestFreezeAndThaw(t *testing.T) {
	system := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := New(func() time.Time { return system })
	if got := c.Now(); !got.Equal(system) {
		t.Fatalf("Now() = %v, want system time %v", got, system)
	}
	frozen := time.Date(2022, 11, 8, 0, 25, 18, 0, time.FixedZone("", -5*3600))
	c.Freeze(frozen)
	if got, ok := c.Frozen(); !ok || !got.Equal(frozen) {
		t.Fatalf("Frozen() = %v, %v; want %v, true", got, ok, frozen)
	}
	if got := c.Now(); !got.Equal(frozen) || got.Location() != time.UTC {
		t.Fatalf("Now() = %v, want %v in UTC", got, frozen)
	}
	c.Thaw()
	if got := c.Now(); !got.Equal(system) {
		t.Fatalf("after Thaw, Now() = %v, want %v", got, system)
	}
}
