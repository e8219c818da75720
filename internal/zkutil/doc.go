// Package zkutil holds the ZooKeeper recipes BCS runs on: a session that
// tells its users when it is disconnected or replaced, leader election over
// ephemeral sequential znodes (the ZooKeeper recipe: the lowest sequence
// leads, each candidate watches only its predecessor), and Curator-style
// service discovery (an ephemeral znode per live instance holding
// curator-x-discovery's ServiceInstance JSON).
//
// go-zookeeper reconnects by itself and, when the server has expired the
// session, starts a new one: ephemeral nodes of the old session are gone
// then. Everything here therefore compares the owner session of its nodes
// with the current one instead of trusting that a node, once created, stays.
package zkutil
