package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/resources"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// Labels BCS puts on every task, so that the master's state (and the
// datawatch reading it) can tell which application and instance a task is.
const (
	LabelApp     = "bcs.app"
	LabelVersion = "bcs.version"
	LabelIndex   = "bcs.index"
)

func scalar(b *resources.Builder, alloc *mesos.Resource_AllocationInfo) mesos.Resource {
	r := b.Resource
	r.AllocationInfo = alloc
	return r
}

// taskInfo builds the LAUNCH for one task.
func taskInfo(a *app, t *task, alloc *mesos.Resource_AllocationInfo) mesos.TaskInfo {
	s := a.spec()
	ref := a.ref()
	res := mesos.Resources{
		scalar(resources.NewCPUs(s.CPUs), alloc),
		scalar(resources.NewMemory(s.Mem), alloc),
	}
	if s.Disk > 0 {
		res = append(res, scalar(resources.NewDisk(s.Disk), alloc))
	}
	if len(t.rec.Ports) > 0 {
		var rs mesos.Ranges
		for _, p := range t.rec.Ports {
			rs = append(rs, mesos.Value_Range{Begin: uint64(p), End: uint64(p)})
		}
		res = append(res, scalar(resources.Build().Name(resources.NamePorts).Ranges(rs.Sort().Squash()), alloc))
	}

	env := map[string]string{}
	maps.Copy(env, s.Env)
	env["BCS_APP"] = ref.Name
	env["BCS_NAMESPACE"] = ref.Namespace
	env["BCS_TASK_ID"] = t.rec.ID
	env["BCS_TASK_INDEX"] = strconv.Itoa(t.rec.Index)
	env["BCS_APP_VERSION"] = strconv.FormatInt(t.rec.Version, 10)
	env["HOST"] = t.rec.Hostname
	for i, p := range t.rec.Ports {
		env["PORT"+strconv.Itoa(i)] = strconv.Itoa(int(p))
		if name := s.Ports[i].Name; name != "" {
			env["PORT_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))] = strconv.Itoa(int(p))
		}
	}
	if len(t.rec.Ports) > 0 {
		env["PORT"] = strconv.Itoa(int(t.rec.Ports[0]))
	}
	var vars []mesos.Environment_Variable
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v := env[k]
		vars = append(vars, mesos.Environment_Variable{Name: k, Value: &v})
	}

	cmd := &mesos.CommandInfo{Environment: &mesos.Environment{Variables: vars}}
	shell := s.Cmd != ""
	cmd.Shell = &shell
	switch {
	case s.Cmd != "":
		cmd.Value = &s.Cmd
		cmd.Arguments = s.Args
	case len(s.Args) > 0 && s.Container == nil:
		cmd.Value = &s.Args[0]
		cmd.Arguments = s.Args
	default:
		cmd.Arguments = s.Args
	}

	labels := []mesos.Label{label(LabelApp, ref.String()), label(LabelVersion, strconv.FormatInt(t.rec.Version, 10)),
		label(LabelIndex, strconv.Itoa(t.rec.Index))}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		labels = append(labels, label(k, s.Labels[k]))
	}

	info := mesos.TaskInfo{
		Name:      fmt.Sprintf("%s.%s.%d", ref.Name, ref.Namespace, t.rec.Index),
		TaskID:    mesos.TaskID{Value: t.rec.ID},
		AgentID:   mesos.AgentID{Value: t.rec.AgentID},
		Resources: res,
		Command:   cmd,
		Labels:    &mesos.Labels{Labels: labels},
		Container: containerInfo(s, t),
	}
	if len(s.HealthChecks) > 0 {
		info.HealthCheck = healthCheck(s, s.HealthChecks[0], t)
	}
	if s.KillGracePeriodSeconds > 0 {
		info.KillPolicy = &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{
			Nanoseconds: int64(s.KillGracePeriodSeconds) * 1e9}}
	}
	return info
}

func label(k, v string) mesos.Label { return mesos.Label{Key: k, Value: &v} }

func containerInfo(s *spec.App, t *task) *mesos.ContainerInfo {
	c := s.Container
	if c == nil {
		return nil
	}
	if c.Type == spec.ContainerMesos {
		return &mesos.ContainerInfo{
			Type:  mesos.ContainerInfo_MESOS.Enum(),
			Mesos: &mesos.ContainerInfo_MesosInfo{Image: &mesos.Image{Type: mesos.Image_DOCKER.Enum(), Docker: &mesos.Image_Docker{Name: c.Image}}},
		}
	}
	docker := &mesos.ContainerInfo_DockerInfo{
		Image:          c.Image,
		ForcePullImage: &c.ForcePullImage,
		Privileged:     &c.Privileged,
		Network:        mesos.ContainerInfo_DockerInfo_HOST.Enum(),
	}
	if c.Network == "BRIDGE" {
		docker.Network = mesos.ContainerInfo_DockerInfo_BRIDGE.Enum()
		for i, p := range s.Ports {
			proto := p.Protocol
			docker.PortMappings = append(docker.PortMappings, mesos.ContainerInfo_DockerInfo_PortMapping{
				HostPort: t.rec.Ports[i], ContainerPort: p.ContainerPort, Protocol: &proto})
		}
	}
	return &mesos.ContainerInfo{Type: mesos.ContainerInfo_DOCKER.Enum(), Docker: docker}
}

func seconds(n int) *float64 {
	if n <= 0 {
		return nil
	}
	f := float64(n)
	return &f
}

func healthCheck(s *spec.App, h spec.HealthCheck, t *task) *mesos.HealthCheck {
	hc := &mesos.HealthCheck{
		GracePeriodSeconds: seconds(h.GracePeriodSeconds),
		IntervalSeconds:    seconds(h.IntervalSeconds),
		TimeoutSeconds:     seconds(h.TimeoutSeconds),
	}
	if h.MaxConsecutiveFailures > 0 {
		n := uint32(h.MaxConsecutiveFailures)
		hc.ConsecutiveFailures = &n
	}
	port := func() uint32 {
		if h.PortIndex < len(t.rec.Ports) {
			if s.Container != nil && s.Container.Network == "BRIDGE" && s.Ports[h.PortIndex].ContainerPort != 0 {
				return s.Ports[h.PortIndex].ContainerPort
			}
			return t.rec.Ports[h.PortIndex]
		}
		return 0
	}
	switch strings.TrimPrefix(strings.ToUpper(h.Protocol), "MESOS_") {
	case spec.CheckHTTP, spec.CheckHTTPS:
		hc.Type = mesos.HealthCheck_HTTP
		hc.HTTP = &mesos.HealthCheck_HTTPCheckInfo{Port: port()}
		if h.Path != "" {
			hc.HTTP.Path = &h.Path
		}
		if strings.HasSuffix(strings.ToUpper(h.Protocol), "HTTPS") {
			scheme := "https"
			hc.HTTP.Scheme = &scheme
		}
	case spec.CheckTCP:
		hc.Type = mesos.HealthCheck_TCP
		hc.TCP = &mesos.HealthCheck_TCPCheckInfo{Port: port()}
	default:
		shell := true
		cmd := h.Command
		hc.Type = mesos.HealthCheck_COMMAND
		hc.Command = &mesos.CommandInfo{Shell: &shell, Value: &cmd}
	}
	return hc
}
