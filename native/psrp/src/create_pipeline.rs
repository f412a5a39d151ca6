//! The CREATE_PIPELINE body (design psrp.md §4.3): one command with named arguments.

use clixml::Value;

use crate::handshake::pipeline_host_info;
use crate::values::{bag, enumeration, list};

const PSOBJECT_LIST: &str = "System.Collections.Generic.List`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=7.4.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]";

/// One command: a script path / command name (`is_script = false`) or script text.
pub struct CommandSpec {
    pub command: String,
    pub is_script: bool,
    pub args: Vec<(String, Value)>,
}

pub fn body(command: CommandSpec) -> Value {
    let powershell = bag(vec![
        (
            "Cmds",
            list(
                &[PSOBJECT_LIST, "System.Object"],
                vec![command_value(command)],
            ),
        ),
        ("IsNested", Value::Bool(false)),
        ("History", Value::Nil),
        ("RedirectShellErrorOutputPipe", Value::Bool(true)),
    ]);
    bag(vec![
        ("PowerShell", powershell),
        // With input open the server would wait for END_OF_PIPELINE_INPUT.
        ("NoInput", Value::Bool(true)),
        (
            "ApartmentState",
            enumeration("System.Threading.ApartmentState", "Unknown", 2),
        ),
        (
            "RemoteStreamOptions",
            // Invocation info on every record: position messages for errors and warnings.
            enumeration(
                "System.Management.Automation.RemoteStreamOptions",
                "AddInvocationInfo",
                15,
            ),
        ),
        ("AddToHistory", Value::Bool(false)),
        ("HostInfo", pipeline_host_info()),
        ("IsNested", Value::Bool(false)),
    ])
}

fn command_value(command: CommandSpec) -> Value {
    let no_merge = || {
        enumeration(
            "System.Management.Automation.Runspaces.PipelineResultTypes",
            "None",
            0,
        )
    };
    let args = command
        .args
        .into_iter()
        .map(|(name, value)| bag(vec![("N", Value::Str(name)), ("V", value)]))
        .collect();
    bag(vec![
        ("Cmd", Value::Str(command.command)),
        ("IsScript", Value::Bool(command.is_script)),
        ("UseLocalScope", Value::Nil),
        ("MergeMyResult", no_merge()),
        ("MergeToResult", no_merge()),
        ("MergePreviousResults", no_merge()),
        ("MergeError", no_merge()),
        ("MergeWarning", no_merge()),
        ("MergeVerbose", no_merge()),
        ("MergeDebug", no_merge()),
        ("MergeInformation", no_merge()),
        ("Args", list(&[PSOBJECT_LIST, "System.Object"], args)),
    ])
}
