package scheduler

import (
	"context"
	"fmt"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// request and response carry every API operation, locally to the engine
// or over HTTP to the leader (rpc.go); each operation uses a few fields.
type request struct {
	App       *spec.App `json:"app,omitempty"`
	Ref       *spec.Ref `json:"ref,omitempty"`
	Namespace string    `json:"namespace,omitempty"`
	Instances int       `json:"instances,omitempty"`
	Version   int64     `json:"version,omitempty"`
	TaskID    string    `json:"taskId,omitempty"`
}

type response struct {
	App         *AppStatus         `json:"app,omitempty"`
	Apps        []AppStatus        `json:"apps,omitempty"`
	Task        *TaskStatus        `json:"task,omitempty"`
	Tasks       []TaskStatus       `json:"tasks,omitempty"`
	Deployment  *DeploymentStatus  `json:"deployment,omitempty"`
	Deployments []DeploymentStatus `json:"deployments,omitempty"`
	Versions    []VersionInfo      `json:"versions,omitempty"`
	Spec        *spec.App          `json:"spec,omitempty"`
	Previous    int                `json:"previous,omitempty"`
	From        int64              `json:"from,omitempty"`
	To          int64              `json:"to,omitempty"`
	Created     bool               `json:"created,omitempty"`
}

type operation func(e *Engine, req *request, resp *response) error

func (r *request) ref() (spec.Ref, error) {
	if r.Ref == nil {
		return spec.Ref{}, fmt.Errorf("no application named: %w", ErrNotFound)
	}
	return *r.Ref, nil
}

func (r *request) app() (spec.App, error) {
	if r.App == nil {
		return spec.App{}, &spec.ValidationError{Errors: []spec.FieldError{{Field: "app", Message: "is required"}}}
	}
	return *r.App, nil
}

// withApp runs f on the live application the request names.
func withApp(f func(e *Engine, a *app, req *request, resp *response) error) operation {
	return func(e *Engine, req *request, resp *response) error {
		ref, err := req.ref()
		if err != nil {
			return err
		}
		a, err := e.findLive(ref)
		if err != nil {
			return err
		}
		return f(e, a, req, resp)
	}
}

// operations, run on the leader's loop.
var operations = map[string]operation{
	"createApp": func(e *Engine, req *request, resp *response) (err error) {
		a, err := req.app()
		if err == nil {
			resp.App, err = e.createApp(a)
		}
		return err
	},
	"updateApp": func(e *Engine, req *request, resp *response) (err error) {
		a, err := req.app()
		if err == nil {
			resp.App, err = e.updateApp(a)
		}
		return err
	},
	"applyApp": func(e *Engine, req *request, resp *response) error {
		a, err := req.app()
		if err != nil {
			return err
		}
		d := a.WithDefaults()
		if e.apps[d.Ref().Key()] == nil {
			resp.Created = true
			resp.App, err = e.createApp(a)
		} else {
			resp.App, err = e.updateApp(a)
		}
		return err
	},
	"scaleApp": withApp(func(e *Engine, a *app, req *request, resp *response) (err error) {
		resp.Previous, err = e.scaleApp(a, req.Instances)
		return err
	}),
	"restartApp": withApp(func(e *Engine, a *app, req *request, resp *response) error {
		if err := e.newVersion(a, *a.spec(), "restarted", a.rec.Instances, "superseded"); err != nil {
			return err
		}
		resp.App = e.appStatus(a)
		return nil
	}),
	"rollbackApp": withApp(func(e *Engine, a *app, req *request, resp *response) (err error) {
		resp.From, resp.To, err = e.rollbackApp(a, req.Version)
		return err
	}),
	"deleteApp": func(e *Engine, req *request, resp *response) error {
		ref, err := req.ref()
		if err != nil {
			return err
		}
		a, err := e.find(ref)
		if err != nil {
			return err
		}
		return e.deleteApp(a)
	},
	"killTask": func(e *Engine, req *request, resp *response) (err error) {
		resp.Task, err = e.killTask(req.TaskID, false)
		return err
	},
	"restartTask": func(e *Engine, req *request, resp *response) (err error) {
		resp.Task, err = e.killTask(req.TaskID, true)
		return err
	},
	"pauseDeployment": withApp(func(e *Engine, a *app, req *request, resp *response) (err error) {
		resp.Deployment, err = e.setPaused(a, true)
		return err
	}),
	"resumeDeployment": withApp(func(e *Engine, a *app, req *request, resp *response) (err error) {
		resp.Deployment, err = e.setPaused(a, false)
		return err
	}),
	"cancelDeployment": withApp(func(e *Engine, a *app, req *request, resp *response) (err error) {
		resp.Deployment, err = e.cancelDeployment(a)
		return err
	}),
	"getApp": func(e *Engine, req *request, resp *response) error {
		ref, err := req.ref()
		if err != nil {
			return err
		}
		a, err := e.find(ref)
		if err == nil {
			resp.App = e.appStatus(a)
		}
		return err
	},
	"listApps": func(e *Engine, req *request, resp *response) error {
		resp.Apps = e.listApps(req.Namespace)
		return nil
	},
	"listTasks": func(e *Engine, req *request, resp *response) error {
		if req.Ref != nil {
			if _, err := e.find(*req.Ref); err != nil {
				return err
			}
		}
		resp.Tasks = e.listTasks(req.Ref)
		return nil
	},
	"listVersions": func(e *Engine, req *request, resp *response) error {
		ref, err := req.ref()
		if err != nil {
			return err
		}
		a, err := e.find(ref)
		if err == nil {
			resp.Versions, err = e.listVersions(a)
		}
		return err
	},
	"getVersion": func(e *Engine, req *request, resp *response) error {
		ref, err := req.ref()
		if err != nil {
			return err
		}
		a, err := e.find(ref)
		if err != nil {
			return err
		}
		vr, err := e.store.ReadVersion(a.key(), req.Version)
		if err != nil {
			return err
		}
		if vr == nil {
			return fmt.Errorf("application %s: version %d: %w", ref, req.Version, ErrNotFound)
		}
		resp.Spec = &vr.Spec
		return nil
	},
	"listDeployments": func(e *Engine, req *request, resp *response) error {
		resp.Deployments = e.listDeployments()
		return nil
	},
}

// exec runs an operation on the leader: here if this instance leads,
// otherwise over HTTP on the leading instance (when forwarding is set up,
// see Handler), else ErrNotLeader.
func (s *Service) exec(ctx context.Context, op string, req request) (*response, error) {
	if e := s.engine.Load(); e != nil {
		return s.execLocal(ctx, e, op, &req)
	}
	return s.forward(ctx, op, &req)
}

func (s *Service) execLocal(ctx context.Context, e *Engine, op string, req *request) (*response, error) {
	f, ok := operations[op]
	if !ok {
		return nil, fmt.Errorf("unknown operation %q", op)
	}
	var resp response
	if err := e.do(ctx, func() error { return f(e, req, &resp) }); err != nil {
		return nil, err
	}
	return &resp, nil
}

// CreateApp validates and creates an application and deploys it.
func (s *Service) CreateApp(ctx context.Context, a spec.App) (*AppStatus, error) {
	r, err := s.exec(ctx, "createApp", request{App: &a})
	if err != nil {
		return nil, err
	}
	return r.App, nil
}

// UpdateApp stores a new version of an application and rolls it out; a
// spec that differs only in instances just scales.
func (s *Service) UpdateApp(ctx context.Context, a spec.App) (*AppStatus, error) {
	r, err := s.exec(ctx, "updateApp", request{App: &a})
	if err != nil {
		return nil, err
	}
	return r.App, nil
}

// ApplyApp creates the application or updates it.
func (s *Service) ApplyApp(ctx context.Context, a spec.App) (st *AppStatus, created bool, err error) {
	r, err := s.exec(ctx, "applyApp", request{App: &a})
	if err != nil {
		return nil, false, err
	}
	return r.App, r.Created, nil
}

// ScaleApp sets the instance count and returns the previous one.
func (s *Service) ScaleApp(ctx context.Context, ref spec.Ref, instances int) (int, error) {
	r, err := s.exec(ctx, "scaleApp", request{Ref: &ref, Instances: instances})
	if err != nil {
		return 0, err
	}
	return r.Previous, nil
}

// RestartApp replaces every task with a rolling update to a new version of
// the same spec.
func (s *Service) RestartApp(ctx context.Context, ref spec.Ref) (*AppStatus, error) {
	r, err := s.exec(ctx, "restartApp", request{Ref: &ref})
	if err != nil {
		return nil, err
	}
	return r.App, nil
}

// RollbackApp rolls an application back to a kept version (0: the one
// before the current), as a new version with that spec and the current
// instance count. It returns the version rolled from and the one restored.
func (s *Service) RollbackApp(ctx context.Context, ref spec.Ref, version int64) (from, to int64, err error) {
	r, err := s.exec(ctx, "rollbackApp", request{Ref: &ref, Version: version})
	if err != nil {
		return 0, 0, err
	}
	return r.From, r.To, nil
}

// DeleteApp kills every task of an application and then removes it; it
// returns once the deletion is recorded (an APP_DELETED event follows).
func (s *Service) DeleteApp(ctx context.Context, ref spec.Ref) error {
	_, err := s.exec(ctx, "deleteApp", request{Ref: &ref})
	return err
}

// KillTask kills a task and leaves its instance down until the application
// is restarted, updated or rolled back.
func (s *Service) KillTask(ctx context.Context, taskID string) (*TaskStatus, error) {
	r, err := s.exec(ctx, "killTask", request{TaskID: taskID})
	if err != nil {
		return nil, err
	}
	return r.Task, nil
}

// RestartTask kills a task; its instance starts again at once with a new
// task (the original's rescheduler).
func (s *Service) RestartTask(ctx context.Context, taskID string) (*TaskStatus, error) {
	r, err := s.exec(ctx, "restartTask", request{TaskID: taskID})
	if err != nil {
		return nil, err
	}
	return r.Task, nil
}

func (s *Service) deploymentOp(ctx context.Context, op string, ref spec.Ref) (*DeploymentStatus, error) {
	r, err := s.exec(ctx, op, request{Ref: &ref})
	if err != nil {
		return nil, err
	}
	return r.Deployment, nil
}

// PauseDeployment stops the application's rolling update where it is
// (empty instances are still refilled).
func (s *Service) PauseDeployment(ctx context.Context, ref spec.Ref) (*DeploymentStatus, error) {
	return s.deploymentOp(ctx, "pauseDeployment", ref)
}

// ResumeDeployment continues a paused rolling update.
func (s *Service) ResumeDeployment(ctx context.Context, ref spec.Ref) (*DeploymentStatus, error) {
	return s.deploymentOp(ctx, "resumeDeployment", ref)
}

// CancelDeployment rolls the application back to the version its current
// deployment started from; it returns the reverting deployment.
func (s *Service) CancelDeployment(ctx context.Context, ref spec.Ref) (*DeploymentStatus, error) {
	return s.deploymentOp(ctx, "cancelDeployment", ref)
}

// GetApp returns one application.
func (s *Service) GetApp(ctx context.Context, ref spec.Ref) (*AppStatus, error) {
	r, err := s.exec(ctx, "getApp", request{Ref: &ref})
	if err != nil {
		return nil, err
	}
	return r.App, nil
}

// ListApps lists applications, of one namespace if given.
func (s *Service) ListApps(ctx context.Context, namespace string) ([]AppStatus, error) {
	r, err := s.exec(ctx, "listApps", request{Namespace: namespace})
	if err != nil {
		return nil, err
	}
	return nonNil(r.Apps), nil
}

// ListTasks lists the live tasks of one application, or of all if ref is
// nil.
func (s *Service) ListTasks(ctx context.Context, ref *spec.Ref) ([]TaskStatus, error) {
	r, err := s.exec(ctx, "listTasks", request{Ref: ref})
	if err != nil {
		return nil, err
	}
	return nonNil(r.Tasks), nil
}

// ListVersions lists an application's kept versions, newest first.
func (s *Service) ListVersions(ctx context.Context, ref spec.Ref) ([]VersionInfo, error) {
	r, err := s.exec(ctx, "listVersions", request{Ref: &ref})
	if err != nil {
		return nil, err
	}
	return nonNil(r.Versions), nil
}

// GetVersion returns the spec of one kept version.
func (s *Service) GetVersion(ctx context.Context, ref spec.Ref, version int64) (*spec.App, error) {
	r, err := s.exec(ctx, "getVersion", request{Ref: &ref, Version: version})
	if err != nil {
		return nil, err
	}
	return r.Spec, nil
}

// ListDeployments lists the deployments in progress.
func (s *Service) ListDeployments(ctx context.Context) ([]DeploymentStatus, error) {
	r, err := s.exec(ctx, "listDeployments", request{})
	if err != nil {
		return nil, err
	}
	return nonNil(r.Deployments), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
