package clusters

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/storage"
)

func openDB(t *testing.T) *ent.Client {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db.Client
}

// sealLegacy seals as BCS did before values were bound to their cluster.
func sealLegacy(key, plaintext []byte) []byte {
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(append([]byte{1}, nonce...), nonce, plaintext, []byte{1})
}

// Rows sealed the old way are sealed again, bound to their cluster, once;
// afterwards a value copied to another row no longer opens there.
func TestResealLegacyBindsOldRows(t *testing.T) {
	client := openDB(t)
	ctx := auth.System(context.Background())
	key := bytes.Repeat([]byte{9}, 32)
	box, _ := secrets.New(key)
	p := client.Project.Create().SetName("p").SetCode("p").SaveX(ctx)
	a := client.Cluster.Create().SetProjectID(p.ID).SetName("a").SetKind(cluster.KindK8S).
		SetCredentials(sealLegacy(key, []byte("kubeconfig a"))).SaveX(ctx)
	b := client.Cluster.Create().SetProjectID(p.ID).SetName("b").SetKind(cluster.KindK8S).SaveX(ctx)
	sealedB, _ := box.Seal(string(b.ID), []byte("kubeconfig b"))
	b = b.Update().SetCredentials(sealedB).SaveX(ctx)

	n, err := ResealLegacy(ctx, client, box, slog.New(slog.DiscardHandler))
	if err != nil || n != 1 {
		t.Fatalf("resealed %d, %v; want 1", n, err)
	}
	a = client.Cluster.GetX(ctx, a.ID)
	if secrets.Legacy(a.Credentials) {
		t.Fatal("the legacy row was not sealed again")
	}
	if pt, err := box.Open(string(a.ID), a.Credentials); err != nil || string(pt) != "kubeconfig a" {
		t.Fatalf("resealed row opens to %q, %v", pt, err)
	}
	if _, err := box.Open(string(b.ID), a.Credentials); err == nil {
		t.Fatal("a's credentials open as b's after resealing")
	}
	if got := client.Cluster.GetX(ctx, b.ID).Credentials; !bytes.Equal(got, sealedB) {
		t.Fatal("an already bound row was rewritten")
	}
	if n, err := ResealLegacy(ctx, client, box, slog.New(slog.DiscardHandler)); err != nil || n != 0 {
		t.Fatalf("second pass resealed %d, %v", n, err)
	}
}

func TestRedactEndpointsDropsStoredCredentials(t *testing.T) {
	client := openDB(t)
	ctx := auth.System(context.Background())
	p := client.Project.Create().SetName("p").SetCode("p").SaveX(ctx)
	m := client.Cluster.Create().SetProjectID(p.ID).SetName("m").SetKind(cluster.KindMESOS).
		SetEndpoint("http://ops:s3cret@10.0.0.5:5050").SaveX(ctx)
	k := client.Cluster.Create().SetProjectID(p.ID).SetName("k").SetKind(cluster.KindK8S).
		SetEndpoint("https://10.0.0.6:6443").SaveX(ctx)
	n, err := RedactEndpoints(ctx, client)
	if err != nil || n != 1 {
		t.Fatalf("redacted %d, %v", n, err)
	}
	if got := client.Cluster.GetX(ctx, m.ID).Endpoint; got != "http://10.0.0.5:5050" {
		t.Errorf("endpoint = %q", got)
	}
	if got := client.Cluster.GetX(ctx, k.ID).Endpoint; got != "https://10.0.0.6:6443" {
		t.Errorf("an endpoint without credentials changed: %q", got)
	}
}
