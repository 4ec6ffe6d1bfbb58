//! SIGINT and SIGTERM while a command runs: the temporary folders it registered are removed and
//! the process exits 130 (SIGINT) or 143 (SIGTERM), leaving the earlier results untouched.
//!
//! [`install`] blocks both signals in the calling thread before any other thread exists, so
//! every thread started later (rayon's workers) inherits the mask, and one thread waits for them
//! with `sigwait`: no async-signal handler runs, so the cleanup may take locks and touch the file
//! system. The folder write ([`crate::report::atomic`]) holds [`lock`] while it swaps folders, so
//! a signal arriving then waits for the swap to finish: one of the two complete folders is in
//! place at every instant.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The temporary folders to remove on a signal.
static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry, held by a folder swap for its duration.
pub fn lock() -> MutexGuard<'static, Vec<PathBuf>> {
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes `dir` on a signal (until [`unregister`]).
pub fn register(dir: &Path) {
    lock().push(dir.to_path_buf());
}

/// No longer removes `dir` on a signal.
pub fn unregister(dir: &Path) {
    lock().retain(|d| d != dir);
}

/// Blocks SIGINT and SIGTERM in this thread (and the threads it starts from now on) and starts
/// the thread that handles them. Call once, first thing, before any other thread is started.
pub fn install() {
    #[cfg(unix)]
    {
        // SAFETY: sigset_t is plain data filled in by sigemptyset/sigaddset; the mask is set for
        // this thread only, before any other thread exists.
        let set = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
                return;
            }
            set
        };
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let mut sig: libc::c_int = 0;
                // SAFETY: `set` outlives the call; `sig` receives the signal number.
                while unsafe { libc::sigwait(&set, &mut sig) } != 0 {}
                cleanup_and_exit(sig);
            });
        if spawned.is_err() {
            // Without the waiting thread the signals must not stay blocked.
            // SAFETY: as above.
            unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
        }
    }
}

#[cfg(unix)]
fn cleanup_and_exit(sig: libc::c_int) -> ! {
    let dirs = lock();
    for dir in dirs.iter() {
        // A spill file may be created while the folder is being removed: try again.
        for _ in 0..5 {
            if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
                break;
            }
        }
    }
    let name = if sig == libc::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    eprintln!("interrupted ({name}): no results written, earlier results left as they were");
    std::process::exit(128 + sig)
}
