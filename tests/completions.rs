//! `simroute completions SHELL` prints a completion script that knows the subcommands and
//! their flags.

use std::process::Command;

#[test]
fn completions_for_bash_zsh_and_fish_name_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish"] {
        let o = Command::new(env!("CARGO_BIN_EXE_simroute"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(o.stdout).unwrap();
        // Flags without their dashes: fish writes `-l max-events`.
        for word in [
            "sweep",
            "validate",
            "completions",
            "vary",
            "max-events",
            "force",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}
