package streams

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestRegisterFlags(t *testing.T) {
	var o Options
	f := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	o.RegisterFlags(f)
	if o.IdleTimeout != DefaultIdleTimeout || o.MaxDuration != 0 || o.MaxRecordingBytes != DefaultMaxRecordingBytes {
		t.Fatalf("defaults not filled in: %+v", o)
	}
	if err := f.Parse([]string{"--exec-idle-timeout=30s", "--exec-max-duration=1h", "--exec-max-recording-bytes=1024"}); err != nil {
		t.Fatal(err)
	}
	if o.IdleTimeout != 30*time.Second || o.MaxDuration != time.Hour || o.MaxRecordingBytes != 1024 {
		t.Fatalf("flags not applied: %+v", o)
	}
}
