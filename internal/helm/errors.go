package helm

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	"helm.sh/helm/v4/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/bcs-io/bcs/orchestrators"
)

// ErrExists: a release of that name is already installed.
var ErrExists = errors.New("a release of that name already exists")

// ErrBusy: another install, upgrade or rollback of the release is under way.
var ErrBusy = errors.New("another operation (install, upgrade or rollback) of the release is in progress")

// badInput is a chart or values that the SDK refused before the cluster
// was asked (rendering, an object that does not decode): the user's to fix.
type badInput struct{ msg string }

func (e *badInput) Error() string { return e.msg }

// classify turns an SDK error into an *orchestrators.Error (what an
// Operation records); errors.Is still finds the sentinels above and
// ErrNotFound through it.
func classify(object string, err error) error {
	if err == nil {
		return nil
	}
	var oe *orchestrators.Error
	var bad *badInput
	switch {
	case errors.As(err, &oe):
		return err
	case errors.As(err, &bad):
		return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Message: bad.msg, Err: err}
	case errors.Is(err, driver.ErrReleaseNotFound), errors.Is(err, driver.ErrNoDeployedReleases),
		strings.Contains(err.Error(), driver.ErrNoDeployedReleases.Error()):
		return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Reason: "NotFound", Message: "release not found", Err: errors.Join(ErrNotFound, err)}
	case errors.Is(err, driver.ErrReleaseExists), strings.Contains(err.Error(), "cannot reuse a name that is still in use"),
		strings.Contains(err.Error(), "cannot re-use a name that is still in use"):
		return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Reason: "AlreadyExists", Message: ErrExists.Error(), Err: errors.Join(ErrExists, err)}
	case strings.Contains(err.Error(), "another operation (install/upgrade/rollback) is in progress"):
		return &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: object, Reason: "Busy", Message: ErrBusy.Error(), Err: errors.Join(ErrBusy, err)}
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		return &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: object, Reason: string(s.Reason), Code: s.Code, Message: s.Message, Err: err}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "cluster reachability check failed") {
		return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: object, Message: err.Error(), Err: err}
	}
	// What is left is the SDK's own refusal of the chart or its values:
	// a template that does not render, a schema the values break, an
	// object that does not build.
	return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Message: err.Error(), Err: err}
}
