//! Starting a child in its own process group and killing the whole tree.

use std::process::Stdio;
use std::sync::Arc;

use tokio::process::{ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::{Notify, watch};

use crate::environment::Environment;
use crate::error::{Error, Result};

/// A running child. Dropping the last handle kills the process tree: a job's process must
/// never outlive the code that tracks it.
#[derive(Debug, Clone)]
pub struct ChildProcess {
    watcher: ProcessWatcher,
    _guard: Arc<KillOnDrop>,
}

/// Observes and kills a child without keeping it alive (for tasks that live as long as the
/// child's pipes, which would otherwise keep each other alive forever).
#[derive(Debug, Clone)]
pub struct ProcessWatcher {
    pid: u32,
    kill: Arc<Notify>,
    exit: watch::Receiver<Option<Option<i32>>>,
}

#[derive(Debug)]
struct KillOnDrop(ProcessWatcher);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.request_kill();
    }
}

/// The child's pipes, handed to whoever speaks to it.
pub struct Pipes {
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
}

impl ChildProcess {
    /// Starts `env` with `extra_env` on top of its own variables.
    pub fn spawn(
        env: &Environment,
        extra_env: &[(String, String)],
    ) -> Result<(ChildProcess, Pipes)> {
        let mut cmd = Command::new(&env.executable);
        cmd.args(&env.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env.env.iter().chain(extra_env) {
            cmd.env(k, v);
        }
        if let Some(dir) = &env.working_dir {
            cmd.current_dir(dir);
        }
        // Its own group, so that killing the job also kills whatever the script started.
        #[cfg(unix)]
        cmd.process_group(0);
        let spawn_error = |source| Error::Spawn {
            executable: env.executable.clone(),
            source,
        };
        let mut child = cmd.spawn().map_err(spawn_error)?;
        let pid = child.id().ok_or_else(|| {
            spawn_error(std::io::Error::other(
                "the process exited before it could be tracked",
            ))
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(spawn_error(std::io::Error::other(
                "stdio pipes were not created",
            )));
        };
        let (exit_tx, exit) = watch::channel(None);
        let kill = Arc::new(Notify::new());
        let watcher = ProcessWatcher {
            pid,
            kill: kill.clone(),
            exit,
        };
        // The reaper owns the `Child` and holds only the kill signal, so the last handle's
        // drop still kills the tree.
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                () = kill.notified() => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let _ = exit_tx.send(Some(status.ok().and_then(|s| s.code())));
        });
        let child = ChildProcess {
            watcher: watcher.clone(),
            _guard: Arc::new(KillOnDrop(watcher)),
        };
        Ok((
            child,
            Pipes {
                stdin,
                stdout,
                stderr,
            },
        ))
    }

    pub fn watcher(&self) -> ProcessWatcher {
        self.watcher.clone()
    }

    pub fn pid(&self) -> u32 {
        self.watcher.pid
    }

    pub async fn kill_tree(&self) -> Option<i32> {
        self.watcher.kill_tree().await
    }

    pub async fn wait(&self) -> Option<i32> {
        self.watcher.wait().await
    }
}

impl ProcessWatcher {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Kills the process group (the child and everything it started) and waits until the
    /// child has been reaped.
    pub async fn kill_tree(&self) -> Option<i32> {
        self.request_kill();
        self.wait().await
    }

    fn request_kill(&self) {
        kill_group(self.pid);
        self.kill.notify_one();
    }

    /// Waits for the child to exit; the exit code when it had one.
    pub async fn wait(&self) -> Option<i32> {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(code) => code.flatten(),
            Err(_) => None,
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    // The group id stays reserved while any member lives, so this cannot hit a stranger
    // even after the leader itself was reaped; ESRCH just means nothing was left.
    if let Ok(pid) = i32::try_from(pid) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: u32) {
    // Without process groups the reaper's `start_kill` ends the child itself.
}
