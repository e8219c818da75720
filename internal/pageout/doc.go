// Package pageout hands back to the kernel the pages of the executable's
// read-only mappings (text, rodata, pclntab) that start-up touched and
// serving no longer needs.
//
// A Go binary of BCS's size faults in most of its 70 MiB of code and
// read-only data while the packages' init functions run (client-go, Helm
// and ent register types, build tables, compile patterns), and the
// kernel's fault-around maps 64 KiB around each fault. Those pages stay
// resident and counted against the process (and its cgroup, whose memory
// includes the page cache) although a serving replica runs a small part
// of them. MADV_PAGEOUT reclaims them; whatever is used again faults back
// in from the file. Only mappings of the executable that nothing can write
// are touched: writable data, the heap and stacks never are, so no state
// can be lost, only read-only pages that are re-read on demand.
package pageout
