package server

import (
	"fmt"
	"testing"

	"github.com/bcs-io/bcs/ent/member"
)

// TestNestedQueryHasNoNPlusOne checks that projects → members → user costs
// the same number of SQL queries for 3 projects as for 30.
func TestNestedQueryHasNoNPlusOne(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		count := func(projects int) int64 {
			seed(t, env, projects)
			q := `{ projects(first: 100) { edges { node { name members { edges { node { role user { name } } } } } } } }`
			env.do(t, q, nil) // warm the token cache: authentication is not what is measured
			env.queries.Store(0)
			res := env.do(t, q, nil)
			if len(res.Errors) > 0 {
				t.Fatal(res.raw)
			}
			return env.queries.Load()
		}
		small, large := count(3), count(30)
		if small != large {
			t.Fatalf("SQL queries grew with rows: %d for 3 projects, %d for 30", small, large)
		}
		if small > 4 || small < 2 {
			t.Fatalf("%d queries for one nested request; expected 2 to 4 (projects, members, users)", small)
		}
	})
}

// seed makes sure there are n projects, each with three members.
func seed(t *testing.T, env *testEnv, n int) {
	t.Helper()
	ctx := system()
	c := env.db.Client
	have := c.Project.Query().CountX(ctx)
	for i := have; i < n; i++ {
		p := c.Project.Create().SetName(fmt.Sprintf("seed %d", i)).SetCode(fmt.Sprintf("seed-%d", i)).SaveX(ctx)
		for j := range 3 {
			u := c.User.Create().SetName(fmt.Sprintf("user-%d-%d", i, j)).SaveX(ctx)
			c.Member.Create().SetProjectID(p.ID).SetUserID(u.ID).SetRole(member.RoleVIEWER).SaveX(ctx)
		}
	}
}
