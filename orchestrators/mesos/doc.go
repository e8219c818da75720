// Package mesos connects BCS's orchestrator interface to Mesos clusters:
// Orchestrator routes workload operations to the framework scheduler in
// orchestrators/mesos/scheduler (one scheduler instance per cluster in each
// BCS process, of which one leads), and reads the master's operator API for
// probes. The simulator in orchestrators/mesos/sim stands in for a master
// in tests and demos.
package mesos
