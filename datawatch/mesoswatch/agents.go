package mesoswatch

import (
	"sort"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/bcs-io/bcs/datawatch/changelog"
)

// KindAgent is a Mesos agent; it is stored as a cluster node, so the
// nodes of a Mesos cluster list like those of a Kubernetes one.
const KindAgent = "MesosAgent"

// agentName is the node name of an agent: its hostname, with the port when
// it is not the default (several agents may share a host).
func agentName(a mesos.AgentInfo) string {
	if p := a.GetPort(); p != 0 && p != 5051 {
		return a.Hostname + ":" + strconv.Itoa(int(p))
	}
	return a.Hostname
}

func (t *taskWatch) agentEvent(a mesos.AgentInfo) changelog.Event {
	res := agentResources(a.Resources)
	attrs := agentAttributes(a.Attributes)
	row := &changelog.NodeRow{Status: "Ready", InternalIP: a.Hostname, Roles: []string{"mesos-agent"},
		Labels: attrs, Capacity: res, Allocatable: res}
	return changelog.Event{ClusterID: t.w.ClusterID, ProjectID: t.w.ProjectID, Kind: KindAgent,
		Name: agentName(a), Type: changelog.Modified, Row: row,
		Object: map[string]any{"id": a.GetID().GetValue(), "hostname": a.Hostname, "port": int(a.GetPort()),
			"resources": stringMap(res), "attributes": stringMap(attrs)}}
}

func (t *taskWatch) agentDeleted(a mesos.AgentInfo) changelog.Event {
	return changelog.Event{ClusterID: t.w.ClusterID, ProjectID: t.w.ProjectID, Kind: KindAgent,
		Name: agentName(a), Type: changelog.Deleted}
}

// agentResources renders an agent's resources as a node's capacity:
// scalars as numbers, ranges as "b-e,…", sets as "a,b".
func agentResources(rs []mesos.Resource) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		switch {
		case r.Scalar != nil:
			out[r.Name] = strconv.FormatFloat(r.Scalar.Value, 'f', -1, 64)
		case r.Ranges != nil:
			var parts []string
			for _, rg := range r.Ranges.Range {
				parts = append(parts, strconv.FormatUint(rg.Begin, 10)+"-"+strconv.FormatUint(rg.End, 10))
			}
			out[r.Name] = strings.Join(parts, ",")
		case r.Set != nil:
			items := append([]string(nil), r.Set.Item...)
			sort.Strings(items)
			out[r.Name] = strings.Join(items, ",")
		}
	}
	return out
}

// agentAttributes renders attributes as node labels.
func agentAttributes(as []mesos.Attribute) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		switch {
		case a.Text != nil:
			out[a.Name] = a.Text.Value
		case a.Scalar != nil:
			out[a.Name] = strconv.FormatFloat(a.Scalar.Value, 'f', -1, 64)
		case a.Ranges != nil:
			out[a.Name] = agentResources([]mesos.Resource{{Name: a.Name, Ranges: a.Ranges}})[a.Name]
		case a.Set != nil:
			out[a.Name] = strings.Join(a.Set.Item, ",")
		}
	}
	return out
}

// stringMap is m as the change log's JSON objects hold it.
func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
