package k8s

import (
	"context"
	"errors"
	"net"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/bcs-io/bcs/orchestrators"
)

// classify turns a client-go error about object into an
// *orchestrators.Error: the API server's status (reason, code, message)
// when it answered, ErrUnreachable when it could not be reached in time.
func classify(object string, err error) error {
	if err == nil {
		return nil
	}
	var oe *orchestrators.Error
	if errors.As(err, &oe) {
		return err
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		return &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: object,
			Reason: string(s.Reason), Code: s.Code, Message: s.Message, Err: err}
	}
	if meta.IsNoMatchError(err) {
		return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Message: err.Error(), Err: err}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: object, Message: err.Error(), Err: err}
	}
	return &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: object, Message: err.Error(), Err: err}
}

// namespaceMissing reports a NotFound about the namespace itself, which the
// user caused by naming one that does not exist.
func namespaceMissing(err error) (string, bool) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsNotFound(err) {
		return "", false
	}
	d := status.Status().Details
	if d == nil || d.Kind != "namespaces" {
		return "", false
	}
	return d.Name, true
}
