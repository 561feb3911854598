"""The last trusted step before the sandbox: ``python sandbox_enter.py SPEC.json``.

Standard library only, run by the grader's own interpreter. It:

0. as root, where cgroups are writable, joins cgroups that cap the memory and the tasks
   of the whole sandbox (the rlimits below are per process);
1. as root, inside the private mount namespace ``unshare --mount`` gave it, binds each
   path the sandbox user cannot reach (a Python under a 0700 home) onto a staging
   folder it can, so bwrap can mount it; the binds vanish with the namespace;
2. as root, drops to the sandbox user and group, with no supplementary groups;
3. sets the resource limits (memory, CPU time, processes, file size, open files, core);
4. executes bwrap.

Nothing here is reachable from the sandbox: SPEC.json lives beside the job folder, not in it.
"""

import json
import os
import resource
import subprocess
import sys

LIMITS = {
    "memory": resource.RLIMIT_AS,
    "cpu_time": resource.RLIMIT_CPU,
    "processes": resource.RLIMIT_NPROC,
    "file_size": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


def main(spec_path: str) -> None:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    if os.geteuid() == 0:
        for group in spec.get("cgroups", []):  # caps on the whole sandbox; best effort
            try:
                os.makedirs(group["dir"], exist_ok=True)
                for name, value in group["settings"].items():
                    with open(os.path.join(group["dir"], name), "w") as f:
                        f.write(value)
                with open(os.path.join(group["dir"], "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            except OSError as exc:
                print(f"sandbox: cgroup {group['dir']} not used: {exc}", file=sys.stderr)
        for source, stage in spec["stage_binds"]:
            subprocess.run(["mount", "--bind", source, stage], check=True)
        os.setgroups([])
        os.setgid(spec["gid"])
        os.setuid(spec["uid"])
        if os.geteuid() == 0 or os.getuid() == 0:
            raise SystemExit("sandbox: could not drop root privileges")
    for name, value in spec["rlimits"].items():
        resource.setrlimit(LIMITS[name], (value, value))
    # bwrap runs as pid 1 of the sandbox, where /proc/1/environ is readable: it gets
    # nothing of the grader's environment (its --clearenv only cleans its child's).
    os.execvpe(spec["argv"][0], spec["argv"], {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"})


if __name__ == "__main__":
    main(sys.argv[1])
