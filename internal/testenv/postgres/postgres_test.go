package postgres

import (
	"context"
	"database/sql"
	"testing"
)

func TestStartServesQueries(t *testing.T) {
	s := StartT(t)
	ctx := context.Background()
	url, err := s.CreateDatabase(ctx, "probe")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Fatalf("SELECT = %d, %v", n, err)
	}
}
