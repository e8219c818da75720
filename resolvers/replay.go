package resolvers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/orchestrators"
)

// Replayers rebuild the steps another replica may run again when the one
// running them dies (operations' reaper): applies only, because a
// server-side apply of the same manifest twice is the same as once.
func Replayers() map[string]operations.Replayer {
	return map[string]operations.Replayer{"APPLY": replayApply}
}

// applyReplay is an applyManifest's step, kept sealed on its operation.
type applyReplay struct {
	Manifest  string `json:"manifest"`
	Namespace string `json:"namespace"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Force     bool   `json:"force"`
}

func (a applyReplay) do(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error) {
	res, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(a.Manifest), Namespace: a.Namespace, DryRun: a.DryRun, Force: a.Force})
	return appliedResult(res), err
}

func replayApply(raw json.RawMessage) (func(context.Context, orchestrators.Orchestrator) (map[string]any, error), error) {
	var a applyReplay
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("decode apply replay: %w", err)
	}
	if a.Manifest == "" {
		return nil, fmt.Errorf("apply replay without a manifest")
	}
	return a.do, nil
}
