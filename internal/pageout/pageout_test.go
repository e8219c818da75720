package pageout

import (
	"strings"
	"testing"
)

// Only the executable's mappings that nothing can write are chosen:
// never its data or bss, never the heap, stacks or another file.
func TestPlanPicksOnlyTheExecutablesReadOnlyMappings(t *testing.T) {
	const maps = `00400000-03876000 r-xp 00000000 fd:01 1234 /usr/local/bin/bcs
03876000-074d3000 r--p 03476000 fd:01 1234 /usr/local/bin/bcs
074d3000-07638000 rw-p 070d3000 fd:01 1234 /usr/local/bin/bcs
07638000-07700000 rwxp 07238000 fd:01 1234 /usr/local/bin/bcs
07700000-07800000 r--s 07300000 fd:01 1234 /usr/local/bin/bcs
07800000-09a00000 rw-p 00000000 00:00 0
c000000000-c004000000 rw-p 00000000 00:00 0 
7f0000000000-7f0000100000 r--p 00000000 fd:01 99 /usr/lib/locale/C.utf8/LC_CTYPE
7f0000100000-7f0000200000 r-xp 00000000 fd:02 1234 /mnt/other/bcs
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0 [vdso]
`
	got, err := Plan(strings.NewReader(maps), File{Dev: "fd:01", Inode: 1234})
	if err != nil {
		t.Fatal(err)
	}
	var picked []string
	for _, r := range got {
		picked = append(picked, r.Perms)
		if r.Path != "/usr/local/bin/bcs" {
			t.Errorf("picked %s", r.Path)
		}
	}
	if strings.Join(picked, " ") != "r-xp r--p r--s" {
		t.Fatalf("picked %q, want the text, the read-only data and the read-only shared mapping", picked)
	}
	if got[0].Start != 0x400000 || got[0].Len() != 0x3476000 {
		t.Fatalf("first region %x+%x", got[0].Start, got[0].Len())
	}
}

func TestPlanRefusesAGarbledMapsLine(t *testing.T) {
	for _, line := range []string{"00400000 r-xp 0 fd:01 1", "zz-10 r-xp 0 fd:01 1 /x", "10-0 r-xp 0 fd:01 1 /x", "0-10 r-xp 0 fd:01 x /x"} {
		if _, err := Plan(strings.NewReader(line+"\n"), File{Dev: "fd:01", Inode: 1}); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}
