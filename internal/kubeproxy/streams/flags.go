package streams

import "github.com/spf13/pflag"

// RegisterFlags binds o's limits to `bcs serve` flags, defaults filled in.
func (o *Options) RegisterFlags(f *pflag.FlagSet) {
	f.DurationVar(&o.IdleTimeout, "exec-idle-timeout", DefaultIdleTimeout,
		"end an exec or attach session through the Kubernetes proxy after this long without input or output")
	f.DurationVar(&o.MaxDuration, "exec-max-duration", 0,
		"end any exec, attach or port-forward session through the Kubernetes proxy this long after it began (0: --kube-proxy-max-duration, or 4h when that is 0)")
	f.IntVar(&o.MaxRecordingBytes, "exec-max-recording-bytes", DefaultMaxRecordingBytes,
		"largest recording of one exec session (projects that record sessions); past it the recording is marked truncated")
}
