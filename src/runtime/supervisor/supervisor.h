// The per-pod supervisor: the pod's infra process. It holds the pod's namespaces, starts the
// containers as its children, reaps them (and, as PID 1 of a shared PID namespace, every
// orphan), writes their logs and state files, and answers the server on a unix socket.
//
// Single-threaded: one epoll loop over the listening socket, client connections, a signalfd
// and the containers' output pipes. Requests (wire::Message, key "op"):
//   start    the fields of a ContainerSpec          → a ContainerRecord, or error=
//   signal   id, signal                             → ok
//   wait     id, timeout_ms                         → the record once exited, or timeout=1
//   exec     id, arg... (+ stdin, stdout, stderr fds) → exit_code when it ends, or error=
//   forget   id (an exited container)               → ok
//   list                                            → one "record" per container
//   shutdown                                        → kills every process, replies ok, exits
#pragma once

#include <string>

namespace cubelet::runtime::supervisor {

// Runs the supervisor for the sandbox directory `dir` (supervisor.conf, sock); fd 3 is the
// launcher's pipe: the host PID goes there, then "ready" or an error. Returns the exit code.
int Main(const std::string& dir);

}  // namespace cubelet::runtime::supervisor
