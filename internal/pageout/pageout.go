package pageout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Region is one mapping of /proc/self/maps.
type Region struct {
	Start, End uintptr
	Perms      string // e.g. "r-xp"
	Dev        string // "major:minor" in hex, as maps writes it
	Inode      uint64
	Path       string
}

// Len is the region's size in bytes.
func (r Region) Len() uintptr { return r.End - r.Start }

// File identifies the executable the way /proc/self/maps names its mappings.
type File struct {
	Dev   string
	Inode uint64
}

// Plan returns the mappings of exe that can be paged out: readable and
// not writable. A writable mapping (data, bss, anything mprotect made
// writable) is never chosen, whatever else it is: paging out a private
// page that was written would lose the write.
func Plan(maps io.Reader, exe File) ([]Region, error) {
	var out []Region
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		r, err := parseLine(sc.Text())
		if err != nil {
			return nil, err
		}
		if r.Inode == 0 || r.Inode != exe.Inode || r.Dev != exe.Dev {
			continue
		}
		if len(r.Perms) != 4 || r.Perms[0] != 'r' || r.Perms[1] != '-' {
			continue
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// parseLine reads "start-end perms offset dev inode [path]".
func parseLine(line string) (Region, error) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return Region{}, fmt.Errorf("pageout: maps line %q: too few fields", line)
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return Region{}, fmt.Errorf("pageout: maps line %q: no address range", line)
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	inode, err3 := strconv.ParseUint(f[4], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Region{}, fmt.Errorf("pageout: maps line %q: %w", line, err)
	}
	if end < start {
		return Region{}, fmt.Errorf("pageout: maps line %q: end before start", line)
	}
	r := Region{Start: uintptr(start), End: uintptr(end), Perms: f[1], Dev: f[3], Inode: inode}
	if len(f) > 5 {
		r.Path = strings.Join(f[5:], " ")
	}
	return r, nil
}
