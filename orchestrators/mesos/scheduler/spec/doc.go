// Package spec is the application model of BCS's Mesos framework, after the
// original bcs-scheduler and Marathon: what an application asks for
// (instances, resources, ports, command or container image, environment,
// labels, placement constraints, health checks, restart policy and upgrade
// strategy), its validation with errors that name the offending field, and
// the pure placement and backoff rules the scheduler applies to it.
//
// Nothing here talks to Mesos or ZooKeeper, so the rules are unit-tested on
// their own and the GraphQL layer can validate input before any call.
package spec
