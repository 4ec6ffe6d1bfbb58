//! Writes an output folder atomically and never over a user's files.
//!
//! ```text
//!  Staging::begin(dest)   check dest is absent, empty, or a simroute output of the same kind
//!        │                (every entry one simroute writes); clean stale .dest.tmp-PID /
//!        │                .dest.old-PID folders of dead processes; create .dest.tmp-PID
//!        ▼                (so an unwritable --out fails before the run), register it for signals
//!   simulate              the time-series spill lives inside .dest.tmp-PID
//!        ▼
//!  Staging::commit(files) write every file and the `.simroute-output` marker, then swap:
//!                         renameat2(RENAME_EXCHANGE) on Linux, so the old or the new folder is
//!                         at `dest` at every instant; remove the old one
//! ```
//! Where the exchange is not available (another OS, a file system without it) the old folder
//! is moved aside and the new one renamed in: for that instant `dest` is missing, the old
//! results being in `.dest.old-PID`, which the next write cleans up.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rayon::prelude::*;

/// The marker file in every output folder; it holds the folder's kind.
pub const MARKER: &str = ".simroute-output";

/// What wrote an output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `simroute run` (and each point of a sweep).
    Run,
    /// `simroute sweep`.
    Sweep,
    /// `simroute compare`.
    Compare,
    /// `simroute plan`.
    Plan,
}

impl Kind {
    /// The word in the marker file.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Compare => "compare",
            Kind::Plan => "plan",
        }
    }

    fn marker(self) -> String {
        format!("simroute {}\n", self.name())
    }

    /// The file whose presence identifies a folder of this kind written before the marker.
    fn identifying(self) -> &'static str {
        match self {
            Kind::Run => "summary.json",
            Kind::Sweep => "sweep.json",
            Kind::Compare => "compare.json",
            Kind::Plan => "plan.json",
        }
    }

    /// Reads a folder's kind from its marker file's text.
    pub fn parse(marker: &str) -> Option<Kind> {
        [Kind::Run, Kind::Sweep, Kind::Compare, Kind::Plan]
            .into_iter()
            .find(|k| marker == k.marker())
    }

    /// True for a name this kind writes at the top of its folder.
    fn writes(self, name: &str, is_dir: bool) -> bool {
        if name == MARKER && !is_dir {
            return true;
        }
        match self {
            Kind::Run => {
                !is_dir
                    && (super::RUN_DATA_FILES.contains(&name) || super::is_presentation_file(name))
            }
            Kind::Sweep => {
                (is_dir && name == "points")
                    || (!is_dir
                        && matches!(
                            name,
                            "summary.csv"
                                | "figures.csv"
                                | "sweep.json"
                                | "chart-sweep.png"
                                | "chart-sweep.svg"
                        ))
            }
            Kind::Compare => {
                !is_dir
                    && (matches!(
                        name,
                        "compare.csv"
                            | "compare.json"
                            | "compare.md"
                            | "figures.csv"
                            | "timeseries.csv"
                    ) || (name.starts_with("chart-compare")
                        && (name.ends_with(".png") || name.ends_with(".svg"))))
            }
            Kind::Plan => !is_dir && matches!(name, "plan.csv" | "plan.json" | "plan.md"),
        }
    }
}

/// The entries of `dir` that `kind` does not write (for a sweep, also inside its points).
fn foreign(dir: &Path, kind: Kind) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type()?.is_dir();
        if !kind.writes(&name, is_dir) {
            out.push(name);
        } else if kind == Kind::Sweep && is_dir {
            for point in fs::read_dir(entry.path())? {
                let point = point?;
                let label = point.file_name().to_string_lossy().into_owned();
                if !point.file_type()?.is_dir() {
                    out.push(format!("points/{label}"));
                    continue;
                }
                out.extend(
                    foreign(&point.path(), Kind::Run)?
                        .into_iter()
                        .map(|n| format!("points/{label}/{n}")),
                );
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Why `dest` may not be replaced by an output of `kind`, if it may not.
pub fn refusal(dest: &Path, kind: Kind) -> anyhow::Result<Option<String>> {
    let Ok(meta) = fs::symlink_metadata(dest) else {
        return Ok(None);
    };
    if !meta.is_dir() {
        return Ok(Some(format!(
            "{} exists and is not a folder",
            dest.display()
        )));
    }
    let marker = fs::read_to_string(dest.join(MARKER)).ok();
    let theirs = marker.as_deref().map(Kind::parse);
    if let Some(Some(other)) = theirs
        && other != kind
    {
        return Ok(Some(format!(
            "{} holds a simroute {} output, not a {} output",
            dest.display(),
            other.name(),
            kind.name()
        )));
    }
    let foreign = foreign(dest, kind)?;
    let empty = fs::read_dir(dest)?.next().is_none();
    let ours = matches!(theirs, Some(Some(_))) || dest.join(kind.identifying()).is_file();
    if !foreign.is_empty() {
        let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
        return Ok(Some(format!(
            "{} holds files simroute did not write ({}{})",
            dest.display(),
            shown.join(", "),
            if foreign.len() > 5 { ", ..." } else { "" }
        )));
    }
    Ok((!ours && !empty).then(|| format!("{} is not a simroute output folder", dest.display())))
}

/// A new output folder being prepared beside its destination.
pub struct Staging {
    dest: PathBuf,
    tmp: PathBuf,
    parent: PathBuf,
    name: String,
    kind: Kind,
    done: bool,
}

impl Staging {
    /// Checks that `dest` may be replaced (unless `force`), cleans stale temporary folders of
    /// dead simroute processes beside it, and creates this process's temporary folder.
    pub fn begin(dest: &Path, kind: Kind, force: bool) -> anyhow::Result<Staging> {
        if !force && let Some(why) = refusal(dest, kind)? {
            bail!("{why}; not replaced. Choose another --out, or pass --force to replace it whole");
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = dest
            .file_name()
            .with_context(|| format!("{} is not a folder name", dest.display()))?
            .to_string_lossy()
            .into_owned();
        clean_stale(&parent, &name);
        let tmp = sibling(&parent, &name, "tmp");
        crate::signals::register(&tmp);
        if let Err(e) = fs::create_dir(&tmp) {
            crate::signals::unregister(&tmp);
            return Err(e).with_context(|| format!("cannot write into {}", parent.display()));
        }
        Ok(Staging {
            dest: dest.to_path_buf(),
            tmp,
            parent,
            name,
            kind,
            done: false,
        })
    }

    /// The temporary folder (for the time-series spill).
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Writes `files` and the marker into the temporary folder and swaps it into place.
    pub fn commit(mut self, files: &[super::File]) -> anyhow::Result<()> {
        // A signal now waits until the swap is over (see crate::signals).
        let mut registry = crate::signals::lock();
        let result = self.write_and_swap(files);
        if result.is_err() {
            let _ = fs::remove_dir_all(&self.tmp);
        }
        registry.retain(|d| d != &self.tmp);
        self.done = true;
        result
    }

    fn write_and_swap(&self, files: &[super::File]) -> anyhow::Result<()> {
        // Leftovers such as a spill file that was not read back are not results.
        for entry in fs::read_dir(&self.tmp)? {
            let path = entry?.path();
            let _ = fs::remove_file(&path).or_else(|_| fs::remove_dir_all(&path));
        }
        // Names may hold folders (`points/<label>/summary.json`): each folder once, then the
        // files side by side (a sweep writes hundreds, and creating a file is a system call
        // that waits on the file system: one after another they would not scale with cores).
        let dirs: std::collections::BTreeSet<&Path> = files
            .iter()
            .filter_map(|(file, _)| Path::new(file).parent())
            .collect();
        for dir in dirs {
            let dir = self.tmp.join(dir);
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        files.par_iter().try_for_each(|(file, bytes)| {
            let path = self.tmp.join(file);
            fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
        })?;
        if !files.iter().any(|(n, _)| n == MARKER) {
            fs::write(self.tmp.join(MARKER), self.kind.marker())?;
        }
        if fs::symlink_metadata(&self.dest).is_err() {
            return fs::rename(&self.tmp, &self.dest)
                .with_context(|| format!("cannot move results into {}", self.dest.display()));
        }
        if exchange(&self.tmp, &self.dest).is_ok() {
            // The old folder is now at the temporary name.
            let _ = fs::remove_dir_all(&self.tmp);
            return Ok(());
        }
        self.swap_by_renames()
    }

    /// The swap where the exchange is not available: the old results moved aside first (a
    /// rename onto a non-empty folder fails), then the new ones in; on a failed second rename
    /// the old ones are moved back.
    fn swap_by_renames(&self) -> anyhow::Result<()> {
        let old = sibling(&self.parent, &self.name, "old");
        if fs::symlink_metadata(&self.dest).is_ok_and(|m| m.is_dir()) {
            fs::rename(&self.dest, &old)
                .with_context(|| format!("cannot move aside {}", self.dest.display()))?;
        } else {
            fs::remove_file(&self.dest)
                .with_context(|| format!("cannot replace {}", self.dest.display()))?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.dest) {
            let _ = fs::rename(&old, &self.dest);
            return Err(e)
                .with_context(|| format!("cannot move results into {}", self.dest.display()));
        }
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
            crate::signals::unregister(&self.tmp);
        }
    }
}

/// Replaces folder `dest` with one holding exactly `files` and the marker of `kind`; refuses
/// (unless `force`) when `dest` holds anything simroute did not write.
pub fn write_folder(
    dest: &Path,
    kind: Kind,
    files: &[super::File],
    force: bool,
) -> anyhow::Result<()> {
    Staging::begin(dest, kind, force)?.commit(files)
}

/// Swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated and live across the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn sibling(parent: &Path, name: &str, what: &str) -> PathBuf {
    parent.join(format!(".{name}.{what}-{}", std::process::id()))
}

/// Removes `.NAME.tmp-PID` and `.NAME.old-PID` folders beside `NAME` whose process is gone.
fn clean_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = [".tmp-", ".old-"].iter().find_map(|what| {
            file.strip_prefix('.')
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix(what))
                .and_then(|p| p.parse::<u32>().ok())
        }) else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<super::super::File> {
        list.iter()
            .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn replaces_its_own_folder_whole() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out").join("run");
        let two = files(&[("summary.json", "one"), ("summary.csv", "two")]);
        write_folder(&dest, Kind::Run, &two, false).unwrap();
        assert_eq!(fs::read(dest.join("summary.json")).unwrap(), b"one");
        assert_eq!(
            fs::read_to_string(dest.join(MARKER)).unwrap(),
            "simroute run\n"
        );
        let one = files(&[("summary.json", "three")]);
        write_folder(&dest, Kind::Run, &one, false).unwrap();
        assert_eq!(fs::read(dest.join("summary.json")).unwrap(), b"three");
        assert!(
            !dest.join("summary.csv").exists(),
            "old files do not linger"
        );
        let leftovers: Vec<_> = fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary folders left behind");
    }

    #[test]
    fn a_users_file_or_another_kind_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("res");
        let run = files(&[("summary.json", "{}")]);
        write_folder(&dest, Kind::Run, &run, false).unwrap();
        let sweep = files(&[("sweep.json", "[]")]);
        let e = write_folder(&dest, Kind::Sweep, &sweep, false).unwrap_err();
        assert!(
            format!("{e}").contains("holds a simroute run output"),
            "{e}"
        );
        fs::write(dest.join("notes.txt"), "mine").unwrap();
        let e = write_folder(&dest, Kind::Run, &run, false).unwrap_err();
        assert!(format!("{e}").contains("did not write (notes.txt)"), "{e}");
        assert_eq!(fs::read(dest.join("notes.txt")).unwrap(), b"mine");
        write_folder(&dest, Kind::Run, &run, true).unwrap();
        assert!(
            !dest.join("notes.txt").exists(),
            "--force replaces it whole"
        );
    }

    #[test]
    fn the_fallback_of_two_renames_puts_the_new_folder_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("res");
        write_folder(&dest, Kind::Run, &files(&[("summary.json", "old")]), false).unwrap();
        let staging = Staging::begin(&dest, Kind::Run, false).unwrap();
        fs::write(staging.dir().join("summary.json"), "new").unwrap();
        fs::write(staging.dir().join(MARKER), Kind::Run.marker()).unwrap();
        staging.swap_by_renames().unwrap();
        assert_eq!(
            fs::read_to_string(dest.join("summary.json")).unwrap(),
            "new"
        );
        drop(staging);
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("res")],
            "no .old or .tmp left"
        );
    }

    #[test]
    fn a_failed_second_rename_moves_the_old_folder_back() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("res");
        write_folder(&dest, Kind::Run, &files(&[("summary.json", "old")]), false).unwrap();
        let staging = Staging::begin(&dest, Kind::Run, false).unwrap();
        // The new folder vanishes before the swap (as if removed under us): the second rename
        // fails, and the old results must be back in place.
        fs::remove_dir_all(staging.dir()).unwrap();
        assert!(staging.swap_by_renames().is_err());
        assert_eq!(
            fs::read_to_string(dest.join("summary.json")).unwrap(),
            "old"
        );
        assert!(!sibling(dir.path(), "res", "old").exists());
    }

    #[test]
    fn a_leftover_old_folder_of_a_killed_swap_is_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".res.old-999999999");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("summary.json"), "old").unwrap();
        write_folder(&dir.path().join("res"), Kind::Run, &[], false).unwrap();
        assert!(!old.exists());
    }

    #[test]
    fn stale_temporary_folders_of_dead_processes_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        // PIDs above the kernel's pid_max (4194304) belong to no process.
        let stale = dir.path().join(".res.tmp-999999999");
        let other = dir.path().join(".other.tmp-999999999");
        fs::create_dir(&stale).unwrap();
        fs::create_dir(&other).unwrap();
        write_folder(&dir.path().join("res"), Kind::Run, &[], false).unwrap();
        assert!(!stale.exists());
        assert!(other.exists(), "only the destination's own leftovers");
    }

    #[test]
    fn a_legacy_output_without_marker_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("plan");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("plan.json"), "{}").unwrap();
        fs::write(dest.join("plan.md"), "#").unwrap();
        assert_eq!(refusal(&dest, Kind::Plan).unwrap(), None);
        assert!(refusal(&dest, Kind::Compare).unwrap().is_some());
    }
}
