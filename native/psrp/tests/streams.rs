//! Every stream's records arrive on the right stream with their text and metadata.

mod common;

use std::sync::Arc;

use psrp::{Event, FinalState, HostWriteKind, Invocation, NoHost};

const SCRIPT: &str = r#"
'hello'
42
Write-Warning 'careful now'
Write-Verbose 'chatty' -Verbose
Write-Debug 'dbg' -Debug
Write-Information 'info' -Tags a,b -InformationAction Continue
Write-Host 'from host'
Write-Host 'in green' -ForegroundColor Green -NoNewline
Write-Error 'bad thing' -ErrorId MyId -Category ObjectNotFound -TargetObject tgt
Write-Progress -Activity act -Status st -PercentComplete 50
$host.UI.WriteLine('direct')
$host.UI.Write([ConsoleColor]::Yellow, [ConsoleColor]::DarkBlue, 'painted')
"#;

#[tokio::test]
async fn each_stream_arrives_with_text_and_metadata() {
    let path = common::script_file(SCRIPT);
    let (events, outcome) = common::run(Invocation::file(&path), Arc::new(NoHost)).await;
    assert_eq!(outcome.state, FinalState::Completed);
    assert!(outcome.error.is_none());
    assert_eq!(common::outputs(&events), ["hello", "42"]);
    let output_xml: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Output(o) => Some(o.clixml.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(output_xml, ["<S>hello</S>", "<I32>42</I32>"]);

    let warning = events.iter().find_map(|e| match e {
        Event::Warning(w) => Some(w),
        _ => None,
    });
    let warning = warning.expect("a warning record");
    assert_eq!(warning.message, "careful now");
    // A warning's invocation info is that of the running script: the file's name.
    assert!(warning.clixml.contains(&*path.to_string_lossy()));
    assert!(warning.clixml.contains("WarningRecord"));

    let one = |f: fn(&Event) -> Option<String>| events.iter().filter_map(f).collect::<Vec<_>>();
    assert_eq!(
        one(|e| match e {
            Event::Verbose(r) => Some(r.message.clone()),
            _ => None,
        }),
        ["chatty"]
    );
    assert_eq!(
        one(|e| match e {
            Event::Debug(r) => Some(r.message.clone()),
            _ => None,
        }),
        ["dbg"]
    );

    let infos: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Information(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(infos.len(), 3);
    assert_eq!(infos[0].message, "info");
    assert_eq!(infos[0].tags, ["a", "b"]);
    assert!(!infos[0].is_host);
    assert!(infos[0].time_generated.is_some());
    assert_eq!(infos[1].message, "from host");
    assert!(infos[1].is_host);
    assert_eq!(infos[1].tags, ["PSHOST"]);
    assert_eq!(
        (infos[1].no_newline, infos[1].foreground_color.as_deref()),
        (false, None)
    );
    assert_eq!(
        (infos[2].no_newline, infos[2].foreground_color.as_deref()),
        (true, Some("Green"))
    );

    let error = events.iter().find_map(|e| match e {
        Event::Error(r) => Some(r),
        _ => None,
    });
    let error = error.expect("an error record");
    assert_eq!(error.message, "bad thing");
    // From a script file PowerShell appends the script name: `MyId,<file>.ps1`.
    let fqid = error
        .fully_qualified_error_id
        .as_deref()
        .unwrap_or_default();
    assert!(
        fqid.starts_with("MyId,") && fqid.ends_with(".ps1"),
        "{fqid}"
    );
    assert_eq!(error.category.as_deref(), Some("ObjectNotFound"));
    assert_eq!(error.target.as_deref(), Some("tgt"));
    assert!(
        error
            .script_stack_trace
            .as_deref()
            .unwrap_or_default()
            .contains("line 10")
    );

    let progress = events.iter().find_map(|e| match e {
        Event::Progress(p) => Some(p),
        _ => None,
    });
    let progress = progress.expect("a progress record");
    assert_eq!(
        (progress.activity.as_str(), progress.status.as_str()),
        ("act", "st")
    );
    assert_eq!(progress.percent_complete, 50);
    assert!(!progress.completed);

    // Only the direct host write: the echoes of the records above are dropped.
    let writes: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::HostWrite(w) => Some((
                w.kind,
                w.text.as_str(),
                w.newline,
                w.foreground_color.as_deref(),
                w.background_color.as_deref(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        writes,
        [
            (HostWriteKind::Output, "direct", true, None, None),
            // ConsoleColor values: Yellow 14, DarkBlue 1.
            (
                HostWriteKind::Output,
                "painted",
                false,
                Some("14"),
                Some("1")
            ),
        ]
    );
}
