package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/engine"
)

func TestLoad(t *testing.T) {
	file, err := filepath.Abs("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), file, "web")
	if err != nil {
		t.Fatal(err)
	}
	if p.Target.Name != "web" || p.Target.Image != "example/web:1" || !reflect.DeepEqual(p.Target.Env, []string{"REDIS_HOST=cache"}) {
		t.Errorf("target %+v", p.Target)
	}
	var names []string
	for _, d := range p.Depends {
		names = append(names, d.Name)
	}
	// Each after what it depends on; unused and built are not started.
	if want := []string{"cache", "db", "worker"}; !reflect.DeepEqual(names, want) {
		t.Errorf("start order %v, want %v", names, want)
	}
	cache, db, worker := p.Depends[0], p.Depends[1], p.Depends[2]
	if !reflect.DeepEqual(cache.Health, []string{"CMD", "redis-cli", "ping"}) || cache.HealthInterval != 2*time.Second ||
		!reflect.DeepEqual(cache.Ports, []int{6379, 7000}) || !reflect.DeepEqual(cache.Aliases, []string{"redis-main"}) {
		t.Errorf("cache %+v", cache)
	}
	wantMount := engine.Mount{Source: filepath.Join(filepath.Dir(file), "initdb"), Target: "/docker-entrypoint-initdb.d", ReadOnly: true}
	if !reflect.DeepEqual(db.Entrypoint, []string{"postgres", "-c", "fsync=off"}) || db.Command != nil ||
		!reflect.DeepEqual(db.Env, []string{"POSTGRES_PASSWORD=secret"}) || db.User != "postgres" || db.WorkingDir != "/var/lib/postgresql" ||
		!reflect.DeepEqual(db.Mounts, []engine.Mount{wantMount}) || !reflect.DeepEqual(db.Ports, []int{5432}) ||
		!reflect.DeepEqual(db.Health, []string{"CMD-SHELL", "pg_isready -U postgres"}) {
		t.Errorf("db %+v", db)
	}
	if !reflect.DeepEqual(worker.Command, []string{"run", "--queue", "jobs"}) || worker.Entrypoint != nil {
		t.Errorf("worker %+v", worker)
	}
	if img, err := p.ImageOf(p.Target); err != nil || img != "example/web:1" {
		t.Errorf("ImageOf(web) = %q, %v", img, err)
	}
	b, err := Load(context.Background(), file, "built")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImageOf(b.Target); !errors.Is(err, ErrBuildOnly) || !strings.Contains(err.Error(), "build it first") {
		t.Errorf("ImageOf(built): %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		file, service, want string
	}{
		{write("bad.yaml", "services:\n  web:\n    image: [unclosed\n"), "web", "reading compose file"},
		{write("ok.yaml", "services:\n  web:\n    image: a\n  db:\n    image: b\n"), "nope", `has no service "nope" (its services: db, web)`},
		{write("cycle.yaml", "services:\n  a:\n    image: a\n    depends_on: [b]\n  b:\n    image: b\n    depends_on: [a]\n"), "a", "a"},
		{filepath.Join(dir, "missing.yaml"), "web", "missing.yaml"},
	} {
		_, err := Load(context.Background(), c.file, c.service)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want an error with %q", filepath.Base(c.file), c.service, err, c.want)
		}
	}
}

// FuzzLoad: whatever the file holds, Load returns a project or an
// error, never a panic.
func FuzzLoad(f *testing.F) {
	seed, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("services:\n  web:\n    image: x\n    depends_on: [web]\n"))
	f.Add([]byte("services:\n  web:\n    image: x\n    ports: ['80-:x']\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		Load(context.Background(), file, "web")
	})
}
