package changelog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

// prefixes are the global ID prefixes of the observed tables (ent/schema).
var prefixes = map[Table]string{Workloads: "wkl", Pods: "pod", Nodes: "nod", Namespaces: "nsp"}

// tableSpec describes how one observed table is upserted.
type tableSpec struct {
	name     string
	cols     []string // after the common id, cluster_id, project_id, resource_version, observed_at
	conflict string   // the unique key
	// tuple returns one VALUES tuple (for cols only) and its arguments.
	tuple func(o *op) (string, []any, error)
	// returning reports a stored row's ID and key: id, cluster_id,
	// namespace, name, kind (constants where the table has no such column).
	returning string
}

var commonCols = []string{"id", "cluster_id", "project_id", "resource_version", "observed_at"}

var specs = map[Table]*tableSpec{
	Workloads: {
		name:      "workloads",
		cols:      []string{"kind", "namespace", "name", "desired", "ready", "updated", "available", "images", "labels", "spec", "status"},
		conflict:  "cluster_id, kind, namespace, name",
		returning: "id, cluster_id, namespace, name, kind",
		tuple: func(o *op) (string, []any, error) {
			r := o.ev.Row.(*WorkloadRow)
			var a argBuf
			a.add(workloadKinds[o.ev.Kind], o.ev.Namespace, o.ev.Name, r.Desired, r.Ready, r.Updated, r.Available)
			a.json(jsonSlice(r.Images))
			a.json(jsonMap(r.Labels))
			a.json(jsonMap(r.Spec))
			a.json(jsonMap(r.Status))
			return placeholders(11), a.args, a.err
		},
	},
	Pods: {
		name: "pods",
		cols: []string{"namespace", "name", "phase", "node_name", "pod_ip", "host_ip", "restarts", "owner_kind", "owner_name",
			"images", "labels", "started_at", "workload_id"},
		conflict:  "cluster_id, namespace, name",
		returning: "id, cluster_id, namespace, name, ''",
		tuple: func(o *op) (string, []any, error) {
			r := o.ev.Row.(*PodRow)
			var a argBuf
			a.add(o.ev.Namespace, o.ev.Name, r.Phase, r.NodeName, r.PodIP, r.HostIP, r.Restarts, r.OwnerKind, r.OwnerName)
			a.json(jsonSlice(r.Images))
			a.json(jsonMap(r.Labels))
			var started any
			if r.StartedAt != nil {
				started = dbTime(*r.StartedAt)
			}
			a.add(started)
			a.add(o.workloadID)
			return placeholders(13), a.args, a.err
		},
	},
	Nodes: {
		name: "cluster_nodes",
		cols: []string{"name", "status", "unschedulable", "internal_ip", "version", "roles", "labels", "taints",
			"capacity", "allocatable"},
		conflict:  "cluster_id, name",
		returning: "id, cluster_id, '', name, ''",
		tuple: func(o *op) (string, []any, error) {
			r := o.ev.Row.(*NodeRow)
			var a argBuf
			a.add(o.ev.Name, r.Status, r.Unschedulable, r.InternalIP, r.Version)
			a.json(jsonSlice(r.Roles))
			a.json(jsonMap(r.Labels))
			a.json(jsonSlice(r.Taints))
			a.json(jsonMap(r.Capacity))
			a.json(jsonMap(r.Allocatable))
			return placeholders(10), a.args, a.err
		},
	},
	Namespaces: {
		name:      "namespaces",
		cols:      []string{"name", "status", "labels", "quota"},
		conflict:  "cluster_id, name",
		returning: "id, cluster_id, '', name, ''",
		tuple: func(o *op) (string, []any, error) {
			r := o.ev.Row.(*NamespaceRow)
			var a argBuf
			a.add(o.ev.Name, r.Status)
			a.json(jsonMap(r.Labels))
			a.json(jsonMap(r.Quota))
			return placeholders(4), a.args, a.err
		},
	},
}

// argBuf collects a row's arguments, keeping the first encoding error.
type argBuf struct {
	args []any
	err  error
}

func (a *argBuf) add(v ...any) { a.args = append(a.args, v...) }

func (a *argBuf) json(v any, err error) {
	if err != nil && a.err == nil {
		a.err = err
	}
	a.args = append(a.args, v)
}

// Upsert and delete order: pods reference workloads.
var (
	deleteOrder = []Table{Pods, Workloads, Nodes, Namespaces}
	upsertOrder = []Table{Namespaces, Nodes, Workloads, Pods}
)

// writeRows applies a batch's row effects: deletions first, then upserts of
// each object's final state. Upserts report the row IDs actually stored (a
// row that already existed keeps its ID), which the batch's Changes carry.
func (w *Writer) writeRows(ctx context.Context, tx queryer, deleted map[rowKey]gid.ID, final map[rowKey]*op, now time.Time) error {
	for _, t := range deleteOrder {
		if err := w.deleteRows(ctx, tx, t, deleted); err != nil {
			return err
		}
	}
	for _, t := range upsertOrder {
		var ops []*op
		for k, o := range final {
			if TableFor(k.kind) == t {
				ops = append(ops, o)
			}
		}
		if t == Pods {
			// The owning workloads are in place now (upserted above).
			if err := w.linkWorkloads(ctx, tx, ops); err != nil {
				return err
			}
		}
		if err := w.upsertRows(ctx, tx, specs[t], ops, now); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) deleteRows(ctx context.Context, tx queryer, t Table, deleted map[rowKey]gid.ID) error {
	spec := specs[t]
	var ids []any
	for k, id := range deleted {
		if TableFor(k.kind) != t {
			continue
		}
		if id != "" {
			ids = append(ids, id)
			continue
		}
		// Rows whose ID the log did not record are deleted by key.
		q, args := `DELETE FROM `+spec.name+` WHERE cluster_id = ? AND name = ?`, []any{k.cluster, k.name}
		if t == Workloads || t == Pods {
			q += ` AND namespace = ?`
			args = append(args, k.namespace)
		}
		if t == Workloads {
			q += ` AND kind = ?`
			args = append(args, workloadKinds[k.kind])
		}
		if _, err := tx.ExecContext(ctx, w.d.q(q), args...); err != nil {
			return fmt.Errorf("delete %s row: %w", spec.name, err)
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), maxParams)
		if _, err := tx.ExecContext(ctx, w.d.q(`DELETE FROM `+spec.name+` WHERE id IN (`+placeholders(n)+`)`), ids[:n]...); err != nil {
			return fmt.Errorf("delete %s rows: %w", spec.name, err)
		}
		ids = ids[n:]
	}
	return nil
}

func (w *Writer) upsertRows(ctx context.Context, tx queryer, spec *tableSpec, ops []*op, now time.Time) error {
	if len(ops) == 0 {
		return nil
	}
	cols := append(append([]string{}, commonCols...), spec.cols...)
	var set []string
	for _, c := range cols[3:] {
		if !strings.Contains(", "+spec.conflict+",", " "+c+",") {
			set = append(set, c+" = excluded."+c)
		}
	}
	head := `INSERT INTO ` + spec.name + ` (` + strings.Join(cols, ", ") + `) VALUES `
	tail := ` ON CONFLICT (` + spec.conflict + `) DO UPDATE SET ` + strings.Join(set, ", ") +
		` RETURNING ` + spec.returning
	perRow := len(cols)
	for len(ops) > 0 {
		n := min(len(ops), maxParams/perRow)
		chunk := ops[:n]
		ops = ops[n:]
		var (
			b     strings.Builder
			args  = make([]any, 0, n*perRow)
			byKey = make(map[string]*op, n)
		)
		b.WriteString(head)
		for i, o := range chunk {
			ph, a, err := spec.tuple(o)
			if err != nil {
				return fmt.Errorf("encode %s %s/%s: %w", o.ev.Kind, o.ev.Namespace, o.ev.Name, err)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?," + ph + ")")
			args = append(args, o.inc.id, o.ev.ClusterID, o.project, o.ev.ResourceVersion, now)
			args = append(args, a...)
			byKey[returnKey(spec, o.ev.ClusterID, o.ev.Namespace, o.ev.Name, workloadKinds[o.ev.Kind])] = o
		}
		b.WriteString(tail)
		rows, err := tx.QueryContext(ctx, w.d.q(b.String()), args...)
		if err != nil {
			return fmt.Errorf("upsert %s: %w", spec.name, err)
		}
		for rows.Next() {
			var id, cluster, ns, name, kind string
			if err := rows.Scan(&id, &cluster, &ns, &name, &kind); err != nil {
				rows.Close()
				return fmt.Errorf("upsert %s: %w", spec.name, err)
			}
			if o := byKey[returnKey(spec, gid.ID(cluster), ns, name, kind)]; o != nil {
				o.inc.id = gid.ID(id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("upsert %s: %w", spec.name, err)
		}
	}
	return nil
}

// returnKey matches a RETURNING row to its op.
func returnKey(spec *tableSpec, cluster gid.ID, ns, name, kind string) string {
	if !strings.Contains(spec.returning, "namespace") {
		ns = ""
	}
	if !strings.Contains(spec.returning, "kind") {
		kind = ""
	}
	return string(cluster) + "\x00" + ns + "\x00" + name + "\x00" + kind
}

// linkWorkloads finds the Workload rows that pods name as their owners, with
// one query per batch (a subquery per pod costs more than the insert).
func (w *Writer) linkWorkloads(ctx context.Context, tx queryer, pods []*op) error {
	names := map[string]struct{}{}
	clusters := map[gid.ID]struct{}{}
	for _, o := range pods {
		r := o.ev.Row.(*PodRow)
		if _, ok := workloadKinds[r.WorkloadKind]; ok && r.WorkloadName != "" {
			names[r.WorkloadName] = struct{}{}
			clusters[o.ev.ClusterID] = struct{}{}
		}
	}
	if len(names) == 0 {
		return nil
	}
	var args []any
	for c := range clusters {
		args = append(args, c)
	}
	for n := range names {
		args = append(args, n)
	}
	if len(args) > maxParams {
		// Pathological batch: leave the links to the next update.
		return nil
	}
	rows, err := tx.QueryContext(ctx, w.d.q(`SELECT id, cluster_id, kind, namespace, name FROM workloads
		WHERE cluster_id IN (`+placeholders(len(clusters))+`) AND name IN (`+placeholders(len(names))+`)`), args...)
	if err != nil {
		return fmt.Errorf("find pods' workloads: %w", err)
	}
	defer rows.Close()
	ids := map[string]gid.ID{}
	for rows.Next() {
		var id, cluster, kind, ns, name string
		if err := rows.Scan(&id, &cluster, &kind, &ns, &name); err != nil {
			return fmt.Errorf("find pods' workloads: %w", err)
		}
		ids[cluster+"\x00"+kind+"\x00"+ns+"\x00"+name] = gid.ID(id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find pods' workloads: %w", err)
	}
	for _, o := range pods {
		r := o.ev.Row.(*PodRow)
		if id, ok := ids[string(o.ev.ClusterID)+"\x00"+workloadKinds[r.WorkloadKind]+"\x00"+o.ev.Namespace+"\x00"+r.WorkloadName]; ok {
			o.workloadID = id
		}
	}
	return nil
}

// changeCols are the columns of one Change row.
const changeCols = 11

// insertChanges appends the batch's Changes. A notify revision (PostgreSQL)
// is announced on NotifyChannel by the statement that inserts the last
// chunk, which saves the batch a round trip.
func (w *Writer) insertChanges(ctx context.Context, tx queryer, ops []*op, now time.Time, notify int64) error {
	const q = `INSERT INTO changes (id, revision, cluster_id, project_id, kind, namespace, name, object_id, type, object, created_at) VALUES `
	for len(ops) > 0 {
		n := min(len(ops), (maxParams-2)/changeCols)
		chunk := ops[:n]
		ops = ops[n:]
		args := make([]any, 0, n*changeCols+2)
		for _, o := range chunk {
			o.id = gid.New("chg")
			var objectID any
			if o.inc != nil {
				objectID = nullString(string(o.inc.id))
			}
			var object any
			if o.object != nil {
				object = string(o.object)
			}
			args = append(args, o.id, o.rev, o.ev.ClusterID, o.project, o.ev.Kind, o.ev.Namespace, o.ev.Name,
				objectID, string(o.typ), object, now)
		}
		stmt := q + values(n, changeCols)
		if len(ops) == 0 && notify > 0 {
			// A data-modifying WITH runs to completion whether or not the
			// query reads it.
			stmt = `WITH inserted AS (` + stmt + `) SELECT pg_notify(?, ?)`
			args = append(args, NotifyChannel, strconv.FormatInt(notify, 10))
		}
		if _, err := tx.ExecContext(ctx, w.d.q(stmt), args...); err != nil {
			return fmt.Errorf("insert changes: %w", err)
		}
	}
	return nil
}
