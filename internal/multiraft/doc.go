// Package multiraft drives many raft groups on one node.
//
// A node hosts one replica of each of many replication groups (one raft
// group per partition). Per-group goroutines, timers and fsyncs cannot reach
// tens of thousands of groups per node, so one scheduler drives them all in
// rounds:
//
//  1. inbound raft messages, proposals, reads and membership requests are
//     stepped into their groups (each touched group is marked dirty);
//  2. the Ready of every dirty group is gathered, and all of their entries,
//     hard states and snapshot markers go to the LogStore in one Save (one
//     sync for all groups: group commit);
//  3. outgoing messages are batched per destination node: one Transport.Send
//     per destination per round;
//  4. committed entries are applied through each group's StateMachine, and
//     proposals and reads waiting on them complete; with
//     Config.CommitApplied the state machines only stage their writes, the
//     scheduler calls CommitApplied once for the whole round (one storage
//     commit for every group that applied, as step 2 is one log sync), and
//     only then completes the proposals and reads;
//  5. each group is advanced.
//
// Core is that scheduler as a synchronous object with no goroutines and no
// clock: the owner ticks it, hands it inbound traffic and calls Process. A
// deterministic simulation drives Cores single-threaded from one seed;
// production wraps a Core in a Node, a goroutine loop driven by a
// clock.Clock.
//
// # Elections and determinism
//
// PreVote and CheckQuorum are always on. raft's own randomized election
// timeout draws from crypto/rand, so the scheduler never lets it fire:
// followers and candidates are advanced with TickQuiesced, and the Core
// campaigns itself when its own election timer, drawn from a seeded
// generator, runs out. Leaders tick normally (heartbeats and the quorum
// check involve no randomness). A simulation therefore replays exactly.
//
// # Reads
//
// A linearizable read waits until the leader's applied index reaches a read
// index. ReadIndex confirms leadership with a heartbeat round for every
// read. LeaseRead lets a confirmed round grant a lease: the voters that
// acknowledged a heartbeat sent at tick t grant no vote before an election
// timeout from t, so until t + ElectionTicks - 2 the leader serves reads
// without a round; a leadership transfer ends the lease.
//
// # Replicas
//
// A replica's raft ID holds its node ID, a generation and a log-replica flag
// (see ReplicaID). The initial replicas of a group are generation 0; every
// replica added later (AddLearner) gets a new generation chosen by the
// leader, and the joining replica is created with that ID. So a node removed
// from a group and added again is a new raft member: messages still in
// flight to or from its old incarnation are dropped, never taken for the new
// one's (which could make a leader count an empty replica's log). The host
// must create a joining replica only with an ID the group's membership still
// lists (GroupStatus.ReplicaIDs), never with one that was removed; as a
// second line of defence a replica that holds no log yet does not vote.
// A log replica
// persists the log and votes, but never applies commands, refuses
// leadership transfers and serves no proposal or read. It joins with a
// snapshot that carries only an index, a term and the membership.
//
// A log replica does not campaign on the usual timer. One exception keeps a
// group available: when the log replica holds committed entries that no
// live full voter has (they were committed by a leader and the log replica
// while the other full voter lagged, and the leader then died), no full
// voter can win its vote. After three election timeouts without a leader it
// campaigns itself, and as leader does nothing but bring the most advanced
// full voter up to date and transfer leadership to it.
//
// # Restart
//
// raft's Config.Applied is set to the group's compaction point in the
// LogStore, not to the state machine's applied index: every conf change
// after the compaction point is re-applied to raft, while data entries at or
// below the state machine's durably applied index are skipped. The LogStore
// is compacted only up to what the state machine reports as durably applied.
//
// # Membership rule
//
// One configuration change at a time per group. A change is refused when the
// voters it leaves could not form a quorum from replicas that are live
// (recently active, on a node not declared dead) and caught up (Match within
// CatchUpSlack of the leader's last index); the leader itself always counts.
// The leader cannot remove itself: transfer leadership first. A learner is
// promoted only once caught up.
//
// # Quiescence
//
// A group whose leader sees every live follower caught up, with nothing to
// propose, apply or read, stops ticking: the leader sends each follower a
// heartbeat carrying a quiesce marker and both sides stop. Node-to-node
// liveness heartbeats (group 0) replace the per-group heartbeats. Any
// proposal, read, membership request or inbound message wakes a group; when
// a peer node is declared dead, the quiesced groups with a replica there wake
// up, and followers whose leader was there forget it so that an election can
// start. A group may quiesce without its followers on dead nodes; when such a
// node is heard from again, its groups wake so that their leaders catch it
// up.
package multiraft
