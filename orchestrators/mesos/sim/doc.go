// Package sim is a Mesos master simulator that speaks the v1 HTTP API as
// the real master documents it (shared/reference/mesos-v1-api.md), so that a
// framework scheduler built on mesos-go can be tested without Mesos. It
// backs `bcs mesos-sim`.
//
// # What it simulates
//
// Scheduler API, POST /api/v1/scheduler, JSON or protobuf:
//   - SUBSCRIBE answers 200 with a RecordIO stream in the negotiated type and
//     a Mesos-Stream-Id header; SUBSCRIBED (heartbeat_interval_seconds,
//     master_info) comes first, then OFFERS, RESCIND, UPDATE, FAILURE, ERROR
//     and HEARTBEAT. Resubscribing with the framework id fails over: the old
//     stream gets ERROR "Framework failed over" and closes.
//   - Wrong requests get the master's status codes: 307 (not the leader,
//     Location //leader/path) or 503, 405, 400 (no Content-Type, bad body,
//     failed validation, unknown framework, missing or stale stream id,
//     SUBSCRIBE with a stream id), 415, 406, 403 (framework not subscribed),
//     501 (UNKNOWN).
//   - ACCEPT with LAUNCH and LAUNCH_GROUP (resources checked against the
//     offers; invalid tasks get TASK_ERROR, invalid offers TASK_LOST or
//     TASK_DROPPED), DECLINE with filters.refuse_seconds (default 5), REVIVE,
//     SUPPRESS, KILL, SHUTDOWN, ACKNOWLEDGE, RECONCILE (explicit and
//     implicit), TEARDOWN, UPDATE_FRAMEWORK and RECONCILE_OPERATIONS (always
//     empty); the rest are accepted and ignored.
//   - Agents with cpus, mem, disk, ports and text attributes. Each offer is
//     one agent's whole unused resources; offered resources stay with the
//     framework until used, declined or rescinded, and come back when tasks
//     end. Offers go out every AllocationInterval and at once on subscribe,
//     revive and agent addition.
//   - Tasks go STAGING → STARTING → RUNNING on timers, and to FINISHED,
//     FAILED, KILLED or LOST. Agent updates carry uuids and follow the
//     agent's status update manager: one in flight per task, the next only
//     after ACKNOWLEDGE, resent with doubling intervals until acknowledged,
//     and resent at once when the framework resubscribes. Master-generated
//     updates (reconciliation, agent loss, invalid launches, kill of an
//     unknown task) have no uuid.
//   - A disconnected framework loses its offers and keeps its tasks for
//     failover_timeout (0: removed at once); after it, it is torn down and
//     resubscribing gets ERROR "Framework has been removed".
//   - A lost agent's offers are rescinded, every framework gets
//     FAILURE{agent_id}, and its tasks become TASK_UNREACHABLE
//     (PARTITION_AWARE frameworks) or TASK_LOST with REASON_AGENT_REMOVED.
//
// Operator API, POST /api/v1: GET_HEALTH, GET_VERSION, GET_MASTER,
// GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS, GET_EXECUTORS,
// GET_ROLES, TEARDOWN, MARK_AGENT_GONE, and SUBSCRIBE (SUBSCRIBED{get_state},
// TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED,
// FRAMEWORK_UPDATED, FRAMEWORK_REMOVED, HEARTBEAT). Other calls answer 501.
//
// With Config.ZK the simulator joins ZooKeeper as a master: an ephemeral
// sequential json.info_ node with its MasterInfo JSON; the lowest node
// leads, the others answer 307 to it. Several simulators on one path give a
// master failover to test against (each has its own agents and state, as a
// new master has before agents reregister).
//
// # Control API
//
// JSON over HTTP on the same port, for tests and scripts:
//
//	GET  /sim/state                         {"mode","master_id","agents":[…],"frameworks":[…],"tasks":{"TASK_RUNNING":n,…},"offers":n}
//	POST /sim/agents                        {"count":n,"cpus":4,"mem":8192,"disk":0,"ports":"31000-32000","attributes":{"rack":["r1"]}}
//	                                        → {"agent_ids":[…]}; without cpus/mem the configured agent spec is used
//	POST /sim/agents/{id}/lose              the agent becomes unreachable
//	POST /sim/agents/{id}/gone              the agent is marked gone (as MARK_AGENT_GONE)
//	POST /sim/tasks/{id}/end                {"state":"TASK_FAILED"|"TASK_FINISHED"|"TASK_KILLED"|"TASK_LOST","message":"…","framework_id":"…"}
//	POST /sim/frameworks/{id}/disconnect    cut the subscription stream (failover timer starts)
//	POST /sim/frameworks/{id}/teardown      remove the framework
//	POST /sim/frameworks/{id}/error         {"message":"…"}: send an ERROR event
//	POST /sim/config                        {"launch_failure_rate":0.1}
//	POST /sim/leadership                    {"mode":"leader"|"follower"|"recovering","leader":"host:port"}
//
// Success is {"ok":true}; errors are {"error":"…"} with 400, or 404 for an
// unknown id. Tasks can also script themselves with labels: LabelRunFor
// ("mesos-sim/run-for": "2s") ends a task that long after RUNNING, as
// TASK_FINISHED, or TASK_FAILED if LabelExit ("mesos-sim/exit") is "failed".
//
// # Known differences from a real master
//
// No authentication (so no principal checks), no reservations, volumes,
// quota, maintenance, inverse offers or operation feedback (those offer
// operations are ignored), no agent reregistration (a lost agent stays
// gone), no persistence across restarts (a framework resubscribing with an
// unknown id is accepted as after a master failover), and losing the
// ZooKeeper session makes the simulator re-register instead of exiting.
// Allocation is round-robin among frameworks rather than DRF.
package sim
