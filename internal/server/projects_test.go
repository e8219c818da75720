package server

import (
	"fmt"
	"testing"

	"github.com/bcs-io/bcs/ent/cluster"
)

const createProject = `mutation($in: CreateProjectInput!) { createProject(input: $in) { id name code description } }`

type project struct {
	ID, Name, Code, Description string
}

func (e *testEnv) createProject(t testing.TB, name, code string) project {
	t.Helper()
	var p project
	e.do(t, createProject, map[string]any{"in": map[string]any{"name": name, "code": code, "description": "d"}}).field(t, "createProject", &p)
	return p
}

func TestProjectLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		p := env.createProject(t, "Game Center", "game-center")
		if p.ID == "" || p.Code != "game-center" {
			t.Fatalf("created %+v", p)
		}

		var got project
		env.do(t, `query($id: ID!) { project(id: $id) { id name code } }`, map[string]any{"id": p.ID}).field(t, "project", &got)
		if got.Name != "Game Center" {
			t.Fatalf("project(id) = %+v", got)
		}

		var upd project
		env.do(t, `mutation($id: ID!) { updateProject(id: $id, input: {name: "Games", description: "new"}) { id name description code } }`,
			map[string]any{"id": p.ID}).field(t, "updateProject", &upd)
		if upd.Name != "Games" || upd.Description != "new" || upd.Code != "game-center" {
			t.Fatalf("updated %+v", upd)
		}

		var del struct{ DeletedID string }
		env.do(t, `mutation($id: ID!) { deleteProject(id: $id) { deletedID } }`, map[string]any{"id": p.ID}).field(t, "deleteProject", &del)
		if del.DeletedID != p.ID {
			t.Fatalf("deleted %+v", del)
		}
		res := env.do(t, `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": p.ID})
		if res.code() != "NOT_FOUND" {
			t.Fatalf("after delete: %s", res.raw)
		}
	})
}

func TestProjectsPaginateFilterAndOrder(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		for i := range 5 {
			env.createProject(t, fmt.Sprintf("proj %d", i), fmt.Sprintf("proj-%d", i))
		}
		var conn struct {
			TotalCount int
			Edges      []struct{ Node project }
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		q := `query($after: Cursor) { projects(first: 2, after: $after, orderBy: [{field: NAME, direction: DESC}]) {
			totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`
		env.do(t, q, nil).field(t, "projects", &conn)
		if conn.TotalCount != 5 || len(conn.Edges) != 2 || conn.Edges[0].Node.Name != "proj 4" || !conn.PageInfo.HasNextPage {
			t.Fatalf("first page %+v", conn)
		}
		env.do(t, q, map[string]any{"after": conn.PageInfo.EndCursor}).field(t, "projects", &conn)
		if conn.Edges[0].Node.Name != "proj 2" {
			t.Fatalf("second page %+v", conn)
		}
		env.do(t, `{ projects(where: {codeHasPrefix: "proj-3"}) { totalCount edges { node { name } } } }`, nil).field(t, "projects", &conn)
		if conn.TotalCount != 1 || conn.Edges[0].Node.Name != "proj 3" {
			t.Fatalf("filtered %+v", conn)
		}
	})
}

func TestProjectUniquenessIsConflictNamingField(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		env.createProject(t, "alpha", "alpha")
		for _, tc := range []struct{ name, code, field string }{
			{"alpha", "other", "name"},
			{"other", "alpha", "code"},
		} {
			res := env.do(t, createProject, map[string]any{"in": map[string]any{"name": tc.name, "code": tc.code}})
			if res.code() != "CONFLICT" || res.Errors[0].Extensions["field"] != tc.field {
				t.Errorf("duplicate %s: %s", tc.field, res.raw)
			}
		}
		var conn struct{ TotalCount int }
		env.do(t, `{ projects { totalCount } }`, nil).field(t, "projects", &conn)
		if conn.TotalCount != 1 {
			t.Fatalf("a refused create wrote a row: %d projects", conn.TotalCount)
		}
	})
}

func TestProjectInputValidation(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		for _, tc := range []struct {
			in    map[string]any
			field string
		}{
			{map[string]any{"name": "x", "code": "okay"}, "name"},
			{map[string]any{"name": " padded", "code": "okay"}, "name"},
			{map[string]any{"name": "okay", "code": "Upper"}, "code"},
			{map[string]any{"name": "okay", "code": "9lives"}, "code"},
			{map[string]any{"name": "okay", "code": "trailing-"}, "code"},
			{map[string]any{"name": "okay", "code": "a-very-long-code-that-goes-past-32"}, "code"},
		} {
			res := env.do(t, createProject, map[string]any{"in": tc.in})
			if res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != tc.field {
				t.Errorf("%v: %s", tc.in, res.raw)
			}
		}
	})
}

func TestDeleteProjectWithClustersIsConflict(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		p := env.createProject(t, "has clusters", "has-clusters")
		ctx := system()
		env.db.Client.Cluster.Create().SetName("c1").SetKind(cluster.KindK8S).SetProjectID(ID(p.ID)).SaveX(ctx)
		res := env.do(t, `mutation($id: ID!) { deleteProject(id: $id) { deletedID } }`, map[string]any{"id": p.ID})
		if res.code() != "CONFLICT" {
			t.Fatalf("delete with clusters: %s", res.raw)
		}
		var got project
		env.do(t, `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": p.ID}).field(t, "project", &got)
		if got.ID != p.ID {
			t.Fatal("project gone after refused delete")
		}
	})
}

func TestNodeResolvesGlobalIDs(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		p := env.createProject(t, "noded", "noded")
		var n struct {
			Typename string `json:"__typename"`
			Name     string
		}
		env.do(t, `query($id: ID!) { node(id: $id) { __typename ... on Project { name } } }`, map[string]any{"id": p.ID}).field(t, "node", &n)
		if n.Typename != "Project" || n.Name != "noded" {
			t.Fatalf("node = %+v", n)
		}
		res := env.do(t, `{ node(id: "prj_00000000000000000000000000") { id } }`, nil)
		if len(res.Errors) != 0 || string(res.Data["node"]) != "null" {
			t.Fatalf("unknown node: %s", res.raw)
		}
	})
}
