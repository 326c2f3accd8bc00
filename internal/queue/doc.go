// Package queue spreads an analysis over any number of worker processes,
// on any machines, through a NATS JetStream work queue: "siftload analyze
// --queue URL" publishes one task per outermost input and collects the
// results (Coordinator), "siftload worker --queue URL" takes tasks and
// analyzes them (Worker). The plan is the same as a local analysis's, byte
// for byte, because workers run the same analysis of one input that a
// local run does, and the coordinator chooses over the union of the
// candidates exactly as a local run does.
//
// # Streams
//
// A queue named Q (default "siftload") is two JetStream streams on the
// server, created or updated by the coordinator:
//
//	Q_tasks    subjects Q.tasks.*    work-queue retention: a task is gone once acknowledged
//	Q_results  subjects Q.results.*  limits retention, 7 days at most
//
// and one durable pull consumer Q_workers on Q_tasks, which every worker
// shares: explicit acks, AckWait as analyze's --ack-wait says, and
// MaxDeliver 3. Each analysis is a run with an id R (RunID) that its
// inputs (absolute paths, sources, sizes, modification times) and settings
// make; its tasks go to Q.tasks.R and its results to Q.results.R, so
// analyses of different inputs never mix, and the coordinator purges both
// subjects when it ends, on success, error or interruption.
//
// # Runs that meet
//
// While it runs, a coordinator answers requests on Q.runs.R (core NATS).
// A new analysis of the same inputs and settings asks there first:
//
//   - no answer, and tasks or results of R are on the streams: the run
//     that left them was killed. The new analysis adopts it: it keeps its
//     results (but for failed ones), purges its tasks and queues a task
//     for every input without a result. So a killed "analyze --queue"
//     leaves its tasks for its next run, not for the streams' 7 days.
//   - an answer: the run is alive. The new analysis joins it: it purges
//     nothing and queues the inputs without a result yet; a result counts
//     once, for both. When a coordinator ends, it first stops answering
//     and then asks: it purges only when no other coordinator of R
//     answers, so the last one to end cleans up.
//
// # Tasks and results
//
// A Task (JSON) names one outermost input: its absolute path on the
// coordinator's machine (with '/' separators, which a worker rewrites with
// its path map), its source and key base as a local run names them, its
// size, the settings that change candidates (analysis.Settings, which the
// worker analyzes with, whatever its own settings) and the names of the
// limit settings for the problems of a crossed limit. Tasks are published
// largest first.
//
// A worker fetches one task at a time per slot (no prefetch, so a task
// never waits in a busy worker's buffer), checks that the file has the
// task's size, analyzes it, publishes the Result to the run's results
// subject and then acknowledges the task. While it works it tells the
// server every AckWait/3 that the task is in progress, so AckWait bounds
// how long a dead worker's task waits, not how long an archive may take.
// A result larger than the server's max payload is split into chunks;
// each delivery attempt has its own id, and the coordinator takes, per
// input, the first attempt whose chunks are all there and ignores every
// other: results are keyed by input, so a redelivered task (a worker
// killed after publishing, before its ack) can never count twice.
//
// # Failures
//
// A worker killed mid-task never acknowledges it: JetStream delivers it
// again after AckWait, to any worker. A task a worker cannot do (the file
// is missing or has another size there: a wrong --path-map) is handed
// back at once for another worker; on its third delivery the worker gives
// up and publishes a failed result, which becomes a problem of that input.
// When the third delivery goes to a worker that dies too, JetStream
// publishes a max-deliveries advisory (when it would deliver the task a
// fourth time, that is once some worker asks for work), which the
// coordinator turns into a problem the same way. Either way the analysis
// ends.
//
// # Security
//
// URLs carry no credentials. Dial takes a credentials (JWT) file, an NKEY
// seed file, a token, or a user and password, which the command line
// layer reads from files or the environment. A connection to a host that
// is not loopback must use TLS, verified against the system's roots or a
// CA file, unless InsecureNoTLS says otherwise.
package queue
