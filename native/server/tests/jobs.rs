//! End to end: jobs run in real pwsh through the real server binary.

mod common;

use std::time::{Duration, Instant};

use common::{Server, expect_error, pwsh, texts};
use reqwest::Method;
use serde_json::{Value, json};

const STREAMS: &str = r#"
param(
    [Parameter(Mandatory)][string]$Name,
    [int]$Count = 1,
    [switch]$Loud,
    [string[]]$Letters,
    [datetime]$When,
    [hashtable]$Map
)
"types: $($Count.GetType().Name) $($Loud.GetType().Name) $($Letters.Count) $($When.Year) $($Map.k)"
1..$Count | ForEach-Object { [pscustomobject]@{ N = $_; Name = $Name } }
Write-Warning "careful $Name"
Write-Verbose "verbose text" -Verbose
Write-Debug "debug text" -Debug
Write-Host "host" -NoNewline
Write-Host " text"
Write-Information "info text"
Write-Progress -Activity "Act" -Status "half" -PercentComplete 50
Write-Error "non-terminating" -ErrorId "My.Error"
if ($Loud) { "LOUD" }
$host.UI.WriteLine([ConsoleColor]::Cyan, [ConsoleColor]::DarkRed, "painted")
Write-Host "unfinished" -NoNewline -ForegroundColor Red
"#;

fn types(output: &Value) -> Vec<i64> {
    output
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_i64().unwrap())
        .collect()
}

/// The CliXml fragments of a job's pipeline records (the JSON form).
async fn pipeline_data(s: &Server, id: i64) -> Vec<String> {
    let records = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"].as_str().unwrap().to_owned())
        .collect()
}

/// Pipeline records as JSON carry PSU's `jsonData` beside the CliXml, which a REST client
/// written for PSU reads: `$records[-1].jsonData | ConvertFrom-Json | ForEach-Object value`.
#[tokio::test]
async fn json_pipeline_records_carry_psu_json_data() {
    let script = "[pscustomobject]@{ Name = 'disk'; Size = 5; When = [datetime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc); Tags = 'a', 'b' }; @{ Key = 7 }; 'text'";
    let s = Server::start("", &[("json.ps1", script)]).await;
    let id = s.run("json.ps1", json!({})).await;
    assert_eq!(s.wait_done(id).await["status"], 2);
    let records = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    let values: Vec<serde_json::Value> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let entries: serde_json::Value =
                serde_json::from_str(r["jsonData"].as_str().expect("jsonData")).unwrap();
            entries[0]["value"].clone()
        })
        .collect();
    assert_eq!(
        values,
        [
            json!({"Name": "disk", "Size": 5, "When": "2024-01-02T03:04:05Z", "Tags": ["a", "b"]}),
            json!({"Key": 7}),
            json!("text"),
        ]
    );
    assert!(records[0]["data"].as_str().unwrap().starts_with("<Obj"));
}

/// A job's pipeline output as one CliXml document.
async fn pipeline_document(s: &Server, id: i64) -> String {
    s.req(
        Method::GET,
        &format!("/api/v1/job/{id}/pipelineOutput"),
        Some(&s.admin),
    )
    .header("accept", "application/clixml")
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap()
}

/// Pipeline output is answered a page of 1,000 records at a time: an output of exactly two
/// pages (then an empty one) reads whole and in order, in both forms.
#[tokio::test]
async fn pipeline_output_is_answered_whole_across_pages() {
    let s = Server::start("", &[("many.ps1", "1..2000")]).await;
    let id = s.run("many.ps1", json!({})).await;
    s.wait_done(id).await;
    let expected: Vec<String> = (1..=2000).map(|n| format!("<I32>{n}</I32>")).collect();
    assert_eq!(pipeline_data(&s, id).await, expected);
    let doc = pipeline_document(&s, id).await;
    assert_eq!(
        doc,
        format!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">{}</Objs>",
            expected.concat()
        )
    );
}

#[tokio::test]
async fn parameters_streams_and_pipeline_output() {
    let s = Server::start("", &[("streams.ps1", STREAMS)]).await;
    let when = std::process::Command::new(pwsh())
        .args([
            "-NoProfile",
            "-c",
            "[System.Management.Automation.PSSerializer]::Serialize([datetime]'2031-05-06')",
        ])
        .output()
        .unwrap();
    let when = String::from_utf8(when.stdout).unwrap();
    let id = s
        .run(
            "streams.ps1?Name=bob&Loud=true",
            json!({"jobParameters": [
                {"name": "Count", "value": 3},
                {"name": "Letters", "value": ["a", "b"]},
                {"name": "When", "value": when.trim()},
                {"name": "Map", "value": {"k": "v"}}
            ], "tags": ["t1"], "notes": "hello"}),
        )
        .await;
    let job = s.wait_done(id).await;
    assert_eq!(
        job["status"], 11,
        "a non-terminating error makes Error: {job}"
    );
    assert_eq!(
        (job["activity"].as_str(), job["percentComplete"].as_i64()),
        (Some("Act"), Some(50))
    );
    assert_eq!(job["tags"], json!(["t1"]));
    assert!(job["processId"].as_i64().unwrap() > 0);

    let data = pipeline_data(&s, id).await;
    assert_eq!(data[0], "<S>types: Int32 SwitchParameter 2 2031 v</S>");
    assert_eq!(data.len(), 5);
    assert!(data[1].contains("<I32 N=\"N\">1</I32>") && data[1].contains("<S N=\"Name\">bob</S>"));
    assert_eq!(data[4], "<S>LOUD</S>");

    // One CliXml document that PowerShell itself imports.
    let doc = pipeline_document(&s, id).await;
    let file = s.dir.path().join("out.xml");
    std::fs::write(&file, doc).unwrap();
    let imported = std::process::Command::new(pwsh())
        .args(["-NoProfile", "-c", &format!("(Import-Clixml '{}' | ForEach-Object {{ if ($_.N) {{ $_.N }} else {{ $_ }} }}) -join ','", file.display())])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&imported.stdout).trim(),
        "types: Int32 SwitchParameter 2 2031 v,1,2,3,LOUD"
    );

    let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
    assert_eq!(
        types(&output),
        [3, 1, 2, 6, 0, 5, 4, 6, 6],
        "warning verbose debug host info progress error host host"
    );
    // A host line written in pieces is stored whole, and a line left open at the end too.
    assert_eq!(
        [
            &output[3]["message"],
            &output[7]["message"],
            &output[8]["message"]
        ],
        ["host text", "painted", "unfinished"]
    );
    // Colours of Write-Host and of $host.UI.WriteLine(fg, bg, text).
    assert_eq!(
        [
            &output[3]["foregroundColor"],
            &output[7]["foregroundColor"],
            &output[7]["backgroundColor"],
            &output[8]["foregroundColor"]
        ],
        [
            &Value::Null,
            &json!("Cyan"),
            &json!("DarkRed"),
            &json!("Red")
        ]
    );
    let error = &output[6];
    assert_eq!(error["message"], "non-terminating");
    assert!(error["errorId"].as_str().unwrap().starts_with("My.Error"));
    assert!(error["data"].as_str().unwrap().contains("ErrorRecord"));
    assert!(output[0]["timestamp"].is_string());
    assert_eq!(output[0]["message"], "careful bob");

    let later = s
        .get_json(&format!("/api/v1/job/{id}/output?after=5&take=1"))
        .await;
    assert_eq!(types(&later), [5]);
    let log = s.get_json(&format!("/api/v1/job/{id}/log")).await;
    assert!(
        log["log"]
            .as_str()
            .unwrap()
            .contains("[warning] careful bob\n[verbose] verbose text\n")
    );

    let params = s.get_json(&format!("/api/v1/job/{id}/parameters")).await;
    assert_eq!(
        texts(&params, "name"),
        ["Name", "Loud", "Count", "Letters", "When", "Map"]
    );

    let r = s
        .req(
            Method::DELETE,
            &format!("/api/v1/job/{id}/pipelineOutput"),
            Some(&s.admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
            .await,
        json!([])
    );
}

#[tokio::test]
async fn statuses_follow_psu_rules() {
    let s = Server::start(
        "[scripts.\"discard.ps1\"]\nDiscardPipeline = true\n",
        &[
            ("ok.ps1", "'fine'"),
            ("warn.ps1", "Write-Warning 'w'; 'x'"),
            ("throw.ps1", "'before'; throw 'boom'"),
            ("exit.ps1", "'out'; exit 3"),
            ("discard.ps1", "1..5"),
        ],
    )
    .await;
    let cases = [
        ("ok.ps1", 2),
        ("warn.ps1", 10),
        ("throw.ps1", 3),
        ("exit.ps1", 3),
        ("discard.ps1", 2),
    ];
    let mut ids = Vec::new();
    for (path, _) in cases {
        ids.push(s.run(path, json!({})).await);
    }
    for ((path, status), id) in cases.iter().zip(&ids) {
        let job = s.wait_done(*id).await;
        assert_eq!(job["status"], *status, "{path}: {job}");
    }
    let thrown = s.get_json(&format!("/api/v1/job/{}", ids[2])).await;
    assert!(
        thrown["output"].as_str().unwrap().contains("boom"),
        "{thrown}"
    );
    let exited = s.get_json(&format!("/api/v1/job/{}", ids[3])).await;
    assert_eq!(exited["exitCode"], 3);
    assert!(exited["output"].as_str().unwrap().contains("code 3"));
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{}/pipelineOutput", ids[4]))
            .await,
        json!([])
    );

    let page = s
        .get_json("/api/v1/job?take=2&orderBy=Id&orderDirection=Ascending")
        .await;
    assert_eq!(page["total"], 5);
    assert_eq!(page["page"][0]["id"], ids[0]);
    assert_eq!(page["page"].as_array().unwrap().len(), 2);
    let failed = s.get_json("/api/v1/job?status=3").await;
    assert_eq!(failed["total"], 2);
    let by_path = s.get_json("/api/v1/job?scriptFullPath=warn.ps1").await;
    assert_eq!(by_path["page"][0]["id"], ids[1]);
}

#[tokio::test]
async fn read_host_prompts_are_answered_over_rest() {
    let script = r#"
$name = Read-Host
$secret = Read-Host -AsSecureString
$plain = [System.Net.NetworkCredential]::new('', $secret).Password
$choice = $Host.UI.PromptForChoice('Pick', 'Which one?', [System.Management.Automation.Host.ChoiceDescription[]]@('&Yes', '&No'), 0)
"name=$name secret=$plain choice=$choice"
"#;
    let s = Server::start("", &[("ask.ps1", script)]).await;
    let id = s.run("ask.ps1", json!({})).await;
    let r = s
        .post(&format!("/api/v1/job/{id}/feedback"), json!({}))
        .await;
    expect_error(r, 400, "feedback.empty").await;

    for (kind, answer) in [
        (0, json!({"response": "alice"})),
        (1, json!({"response": "s3cret"})),
        (2, json!({"response": "no"})),
    ] {
        s.wait_for(id, |j| j["status"] == 4).await;
        let feedback = s.get_json(&format!("/api/v1/job/{id}/feedback")).await;
        assert_eq!(feedback["kind"], kind, "{feedback}");
        assert_eq!(feedback["jobId"], id);
        if kind == 2 {
            assert_eq!(feedback["choices"][1]["label"], "&No");
            assert_eq!(feedback["message"], "Which one?");
            // An answer that does not fit is refused, and the prompt keeps waiting.
            for wrong in [json!({"choice": 2}), json!({"response": "maybe"})] {
                let r = s.post(&format!("/api/v1/job/{id}/feedback"), wrong).await;
                let why = expect_error(r, 400, "feedback.invalid").await;
                assert!(why.ends_with("is not one of 0 (Yes), 1 (No)"), "{why}");
            }
            let again = s.get_json(&format!("/api/v1/job/{id}/feedback")).await;
            assert_eq!(again, feedback);
        }
        let r = s.post(&format!("/api/v1/job/{id}/feedback"), answer).await;
        assert_eq!(r.status(), 204);
        s.wait_for(id, |j| j["status"] != 4).await;
    }
    let job = s.wait_done(id).await;
    assert_eq!(job["status"], 2, "{job}");
    let pipeline = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    assert_eq!(
        pipeline[0]["data"],
        "<S>name=alice secret=s3cret choice=1</S>"
    );
    let r = s.get(&format!("/api/v1/job/{id}/feedback")).await;
    expect_error(r, 404, "job.feedback.none").await;
    let r = s
        .post(
            &format!("/api/v1/job/{id}/feedback"),
            json!({"response": "late"}),
        )
        .await;
    expect_error(r, 404, "job.feedback.none").await;
}

fn process_alive(pid: i64) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test]
async fn cancel_stops_the_process_tree_and_children() {
    let s = Server::start(
        "",
        &[(
            "sleep.ps1",
            "param([int]$Seconds = 60)\n'started'\nStart-Sleep -Seconds $Seconds\n'never'",
        )],
    )
    .await;
    let parent = s.run("sleep.ps1", json!({})).await;
    let child = s.run("sleep.ps1", json!({"parentJobId": parent})).await;
    let job = s
        .wait_for(parent, |j| j["status"] == 1 && j["processId"].is_i64())
        .await;
    let pid = job["processId"].as_i64().unwrap();
    s.wait_for(child, |j| j["status"] == 1).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while s
        .get_json(&format!("/api/v1/job/{parent}/pipelineOutput"))
        .await
        == json!([])
    {
        assert!(Instant::now() < deadline, "the script never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let children = s.get_json(&format!("/api/v1/job/{parent}/children")).await;
    assert_eq!(children[0]["id"], child);

    let started = Instant::now();
    let r = s
        .post(&format!("/api/v1/job/{parent}/cancel"), json!({}))
        .await;
    assert_eq!(r.status(), 202);
    let done = s.wait_done(parent).await;
    assert_eq!(done["status"], 5, "{done}");
    assert_eq!(
        s.wait_done(child).await["status"],
        5,
        "children are canceled too"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!process_alive(pid), "the job's process {pid} is gone");
    let pipeline = s
        .get_json(&format!("/api/v1/job/{parent}/pipelineOutput"))
        .await;
    assert_eq!(pipeline.as_array().unwrap().len(), 1, "{pipeline}");
    let r = s
        .post(&format!("/api/v1/job/{parent}/cancel"), json!({}))
        .await;
    expect_error(r, 409, "job.finished").await;
}

/// The messages of a job's stream records of one type.
async fn messages(s: &Server, id: i64, output_type: i64) -> Vec<String> {
    let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
    output
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == output_type)
        .map(|r| r["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn failed_jobs_run_again_up_to_the_scripts_retry_limit() {
    let config = "[scripts.\"flaky.ps1\"]\nRetryLimit = 2\n[scripts.\"broken.ps1\"]\nRetryLimit = 1\n\
                  [scripts.\"stubborn.ps1\"]\nRetryLimit = 100\n";
    let s = Server::start(
        config,
        &[
            (
                "flaky.ps1",
                "param($Marker)\n'run'\nif (-not (Test-Path $Marker)) {\n\
                 Set-Content $Marker 1; Write-Warning 'first run only'; throw 'transient' }\n'done'",
            ),
            ("broken.ps1", "'x'\nthrow 'always'"),
            ("stubborn.ps1", "Start-Sleep -Milliseconds 300\nthrow 'again'"),
            ("plain.ps1", "throw 'once'"),
        ],
    )
    .await;
    let marker = s.data().join("flaky.marker");
    let flaky = s
        .run(&format!("flaky.ps1?Marker={}", marker.display()), json!({}))
        .await;
    let broken = s.run("broken.ps1", json!({})).await;
    let plain = s.run("plain.ps1", json!({})).await;

    // The second run succeeded: the job is Completed (its first run's warning is history), and
    // its objects are that run's alone.
    let done = s.wait_done(flaky).await;
    assert_eq!(
        (done["status"].as_i64(), done["retryCount"].as_i64()),
        (Some(2), Some(1)),
        "{done}"
    );
    assert_eq!(done["output"], Value::Null);
    assert_eq!(
        pipeline_data(&s, flaky).await,
        ["<S>run</S>", "<S>done</S>"]
    );
    let notes = messages(&s, flaky, 0).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("run 1 of 3 failed: transient"),
        "{notes:?}"
    );

    // Out of retries: Failed with the last run's error, objects and retry count.
    let failed = s.wait_done(broken).await;
    assert_eq!(
        (failed["status"].as_i64(), failed["retryCount"].as_i64()),
        (Some(3), Some(1)),
        "{failed}"
    );
    assert!(
        failed["output"].as_str().unwrap().contains("always"),
        "{failed}"
    );
    assert_eq!(pipeline_data(&s, broken).await, ["<S>x</S>"]);
    assert_eq!(messages(&s, broken, 0).await.len(), 1);

    // No RetryLimit: one run.
    assert_eq!(s.wait_done(plain).await["retryCount"], 0);

    // A cancel between runs is final: the job does not run again.
    let stubborn = s.run("stubborn.ps1", json!({})).await;
    s.wait_for(stubborn, |j| j["retryCount"].as_i64() >= Some(1))
        .await;
    let r = s
        .post(&format!("/api/v1/job/{stubborn}/cancel"), json!({}))
        .await;
    assert_eq!(r.status(), 202);
    let canceled = s.wait_done(stubborn).await;
    assert_eq!(canceled["status"], 5, "{canceled}");
    let runs = canceled["retryCount"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let later = s.get_json(&format!("/api/v1/job/{stubborn}")).await;
    assert_eq!(
        (later["status"].as_i64(), later["retryCount"].as_i64()),
        (Some(5), Some(runs))
    );
    let metrics = s.get("/metrics").await.text().await.unwrap();
    let retries = metrics
        .lines()
        .find_map(|line| line.strip_prefix("psujobs_job_retries_total "))
        .expect("psujobs_job_retries_total");
    // flaky.ps1 and broken.ps1 once each, stubborn.ps1 until it was canceled.
    assert_eq!(retries, (2 + runs).to_string(), "{metrics}");
}

#[tokio::test]
async fn working_directory_and_error_action_come_from_the_scripts_settings() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("note.txt"), "found it").unwrap();
    let config = format!(
        "[scripts.\"where.ps1\"]\nWorkingDirectory = '{}'\n\
         [scripts.\"sub/here.ps1\"]\nWorkingDirectory = 'sub'\n\
         [scripts.\"nowhere.ps1\"]\nWorkingDirectory = '/no/such/folder'\n\
         [scripts.\"strict.ps1\"]\nScriptErrorAction = 'Stop'\n",
        work.path().display()
    );
    let lenient = "Write-Error 'soft'\n'after'";
    let s = Server::start(
        &config,
        &[
            (
                "where.ps1",
                "$PWD.Path\n[Environment]::CurrentDirectory\n[string](Get-Content note.txt)\n\
                 [IO.File]::ReadAllText('note.txt')\n/bin/pwd",
            ),
            ("sub/here.ps1", "$PWD.Path"),
            ("nowhere.ps1", "'ran'"),
            ("strict.ps1", lenient),
            ("lenient.ps1", lenient),
        ],
    )
    .await;
    let strings = |data: Vec<String>| -> Vec<String> {
        data.iter()
            .map(|d| {
                d.trim_start_matches("<S>")
                    .trim_end_matches("</S>")
                    .to_owned()
            })
            .collect()
    };
    let id = s.run("where.ps1", json!({})).await;
    assert_eq!(s.wait_done(id).await["status"], 2);
    let dir = work.path().display().to_string();
    assert_eq!(
        strings(pipeline_data(&s, id).await),
        [dir.as_str(), &dir, "found it", "found it", &dir]
    );

    // Relative to the repository.
    let id = s.run("sub/here.ps1", json!({})).await;
    s.wait_done(id).await;
    let here = strings(pipeline_data(&s, id).await);
    assert!(here[0].ends_with("/scripts/sub"), "{here:?}");

    let id = s.run("nowhere.ps1", json!({})).await;
    let failed = s.wait_done(id).await;
    assert_eq!(failed["status"], 3, "{failed}");
    assert!(
        failed["output"]
            .as_str()
            .unwrap()
            .contains("/no/such/folder"),
        "{failed}"
    );
    assert_eq!(
        pipeline_data(&s, id).await,
        Vec::<String>::new(),
        "the script never ran"
    );

    // Stop: the first error ends the job; otherwise it runs on and ends Error.
    let id = s.run("strict.ps1", json!({})).await;
    let strict = s.wait_done(id).await;
    assert_eq!(strict["status"], 3, "{strict}");
    assert!(
        strict["output"].as_str().unwrap().contains("soft"),
        "{strict}"
    );
    assert_eq!(pipeline_data(&s, id).await, Vec::<String>::new());
    let id = s.run("lenient.ps1", json!({})).await;
    assert_eq!(s.wait_done(id).await["status"], 11);
    assert_eq!(strings(pipeline_data(&s, id).await), ["after"]);
}

#[tokio::test]
async fn timeouts_and_queueing_limits() {
    let config = "concurrent_jobs = 2\n[scripts.\"slow.ps1\"]\nTimeOut = 0.05\n[scripts.\"one.ps1\"]\nConcurrentJobs = 1\n";
    let s = Server::start(
        config,
        &[
            ("slow.ps1", "Start-Sleep 60"),
            ("one.ps1", "Start-Sleep -Milliseconds 1500; 'done'"),
        ],
    )
    .await;
    let slow = s.run("slow.ps1", json!({})).await;
    let first = s.run("one.ps1", json!({})).await;
    let second = s.run("one.ps1", json!({})).await;
    // one.ps1 allows one at a time: the second waits in the queue.
    s.wait_for(first, |j| j["status"] == 1).await;
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{second}")).await["status"],
        0
    );
    let metrics = s.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("psujobs_jobs_queued 1"), "{metrics}");
    let a = s.wait_done(first).await;
    let b = s.wait_done(second).await;
    assert_eq!(
        (a["status"].as_i64(), b["status"].as_i64()),
        (Some(2), Some(2))
    );
    assert!(
        b["startTime"].as_str() >= a["endTime"].as_str(),
        "FIFO, one at a time"
    );
    let timed = s.wait_done(slow).await;
    assert_eq!(timed["status"], 9, "{timed}");
    assert!(timed["output"].as_str().unwrap().contains("timed out"));
}

#[tokio::test]
async fn server_wide_limit_queues_across_scripts() {
    let s = Server::start(
        "concurrent_jobs = 1\n",
        &[("a.ps1", "Start-Sleep -Milliseconds 800")],
    )
    .await;
    let ids = [
        s.run("a.ps1", json!({})).await,
        s.run("a.ps1", json!({})).await,
        s.run("a.ps1", json!({})).await,
    ];
    s.wait_for(ids[0], |j| j["status"] == 1).await;
    for id in &ids[1..] {
        assert_eq!(s.get_json(&format!("/api/v1/job/{id}")).await["status"], 0);
    }
    // A queued job can be canceled before it starts.
    let r = s
        .post(&format!("/api/v1/job/{}/cancel", ids[2]), json!({}))
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(s.wait_done(ids[2]).await["status"], 5);
    assert_eq!(s.wait_done(ids[1]).await["status"], 2);
    assert!(s.get_json(&format!("/api/v1/job/{}", ids[2])).await["startTime"].is_null());
}

#[tokio::test]
async fn output_long_poll_wakes_on_new_records() {
    let s = Server::start(
        "",
        &[(
            "tick.ps1",
            "Start-Sleep -Milliseconds 1500; Write-Warning 'tick'; Start-Sleep -Milliseconds 500",
        )],
    )
    .await;
    let id = s.run("tick.ps1", json!({})).await;
    let started = Instant::now();
    let records = s
        .get_json(&format!("/api/v1/job/{id}/output?wait=30"))
        .await;
    assert_eq!(records[0]["message"], "tick");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered when the record arrived"
    );
    let last = records[0]["id"].as_i64().unwrap();
    // Nothing newer: the wait ends when the job does, with nothing.
    let records = s
        .get_json(&format!("/api/v1/job/{id}/output?after={last}&wait=30"))
        .await;
    assert_eq!(records, json!([]));
    assert!(started.elapsed() < Duration::from_secs(25));
    assert_eq!(s.wait_done(id).await["status"], 10);
}

#[tokio::test]
async fn retention_grooms_beyond_max_history() {
    let config = "groom_interval_seconds = 1\n[scripts.\"quick.ps1\"]\nMaxHistory = 2\n";
    let s = Server::start(config, &[("quick.ps1", "'q'"), ("keep.ps1", "'k'")]).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let id = s.run("quick.ps1", json!({})).await;
        s.wait_done(id).await;
        ids.push(id);
    }
    let kept = s.run("keep.ps1", json!({})).await;
    s.wait_done(kept).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = s.get_json("/api/v1/job?scriptFullPath=quick.ps1").await;
        if page["total"] == 2 {
            let left: Vec<i64> = page["page"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_i64().unwrap())
                .collect();
            assert_eq!(left, [ids[3], ids[2]], "the newest are kept");
            break;
        }
        assert!(Instant::now() < deadline, "not groomed: {page}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    expect_error(
        s.get(&format!("/api/v1/job/{}/output", ids[0])).await,
        404,
        "job.not_found",
    )
    .await;
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{kept}")).await["status"],
        2,
        "other scripts keep theirs"
    );
}

#[tokio::test]
async fn minimal_environments_capture_stdout_and_stderr() {
    let config = "[environments.sh]\nkind = \"minimal\"\nexecutable = \"/bin/sh\"\n[scripts.\"tool.ps1\"]\nEnvironment = \"sh\"\n";
    let s = Server::start(
        config,
        &[(
            "tool.ps1",
            "echo out-$Greeting\necho err-line >&2\nexit 2\n",
        )],
    )
    .await;
    let id = s.run("tool.ps1?Greeting=line", json!({})).await;
    let job = s.wait_done(id).await;
    assert_eq!(
        (job["status"].as_i64(), job["exitCode"].as_i64()),
        (Some(3), Some(2)),
        "{job}"
    );
    assert_eq!(job["environment"], "sh");
    let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
    let mut lines: Vec<(i64, &str)> = output
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_i64().unwrap(), r["message"].as_str().unwrap()))
        .collect();
    lines.sort();
    assert_eq!(lines, [(0, "out-line"), (4, "err-line")]);
}

#[tokio::test]
async fn prompts_and_credentials_are_answered_over_rest() {
    let script = r#"
$name = Read-Host -Prompt 'Your name'
$cred = Get-Credential -UserName 'suggested' -Message 'Sign in'
"name=$name user=$($cred.UserName) pass=$($cred.GetNetworkCredential().Password)"
"#;
    let s = Server::start("", &[("prompt.ps1", script)]).await;
    let id = s.run("prompt.ps1", json!({})).await;

    s.wait_for(id, |j| j["status"] == 4).await;
    let feedback = s.get_json(&format!("/api/v1/job/{id}/feedback")).await;
    assert_eq!(feedback["kind"], 3, "{feedback}");
    assert_eq!(feedback["fields"][0]["name"], "Your name");
    let r = s
        .post(
            &format!("/api/v1/job/{id}/feedback"),
            json!({"response": "carol"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    // Answered means Running again at once: WaitingOnFeedback always has a prompt to fetch.
    let job = s.get_json(&format!("/api/v1/job/{id}")).await;
    if job["status"] == 4 {
        let r = s.get(&format!("/api/v1/job/{id}/feedback")).await;
        assert_eq!(r.status(), 200, "WaitingOnFeedback without a prompt");
    }

    s.wait_for(id, |j| j["status"] == 4 || j["status"].as_i64() >= Some(2))
        .await;
    let feedback = s.get_json(&format!("/api/v1/job/{id}/feedback")).await;
    assert_eq!(feedback["kind"], 4, "{feedback}");
    assert_eq!(
        feedback["fields"][1],
        json!({"name": "Password", "type": "System.Security.SecureString", "isSecure": true})
    );
    let r = s
        .post(
            &format!("/api/v1/job/{id}/feedback"),
            json!({"responses": {"User": "dave"}}),
        )
        .await;
    expect_error(r, 400, "feedback.invalid").await;
    let answer = json!({"responses": {"User": "dave", "Password": "pw1"}});
    let r = s.post(&format!("/api/v1/job/{id}/feedback"), answer).await;
    assert_eq!(r.status(), 204);

    let job = s.wait_done(id).await;
    assert_eq!(job["status"], 2, "{job}");
    let pipeline = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    assert_eq!(pipeline[0]["data"], "<S>name=carol user=dave pass=pw1</S>");
}

#[tokio::test]
async fn canceling_a_job_waiting_on_feedback() {
    let s = Server::start("", &[("ask.ps1", "$x = Read-Host; 'never'")]).await;
    let id = s.run("ask.ps1", json!({})).await;
    s.wait_for(id, |j| j["status"] == 4).await;
    let r = s.post(&format!("/api/v1/job/{id}/cancel"), json!({})).await;
    assert_eq!(r.status(), 202);
    assert_eq!(s.wait_done(id).await["status"], 5);
    let r = s.get(&format!("/api/v1/job/{id}/feedback")).await;
    expect_error(r, 404, "job.feedback.none").await;
}

/// `LoadProfile`: the profiles run in the job before the script, as in a console; a broken one
/// is a warning and the script still runs. Without it, nothing of them is seen.
#[tokio::test]
async fn load_profile_runs_the_profiles_first() {
    let home = tempfile::tempdir().unwrap();
    let profiles = home.path().join("powershell");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("profile.ps1"),
        "function Get-Greeting { 'hello from the profile' }\nWrite-Host 'profile loaded'\n",
    )
    .unwrap();
    std::fs::write(
        profiles.join("Microsoft.PowerShell_profile.ps1"),
        "throw 'broken profile'\n",
    )
    .unwrap();
    let config = format!(
        "[environments.profiled]\nexecutable = {pwsh:?}\nvariables = {{ XDG_CONFIG_HOME = {home:?} }}\n\
         [scripts.\"with.ps1\"]\nEnvironment = \"profiled\"\nLoadProfile = true\n\
         [scripts.\"without.ps1\"]\nEnvironment = \"profiled\"\n",
        pwsh = pwsh(),
        home = home.path().display().to_string(),
    );
    let script = "param([string]$Name, [switch]$Loud)\n\
                  if (Get-Command Get-Greeting -ErrorAction Ignore) { \"$(Get-Greeting), $Name $Loud\" } else { 'no profile' }\n\
                  $PROFILE.CurrentUserAllHosts\n";
    let s = Server::start(&config, &[("with.ps1", script), ("without.ps1", script)]).await;

    let id = s.run("with.ps1?Name=ada&Loud=true", json!({})).await;
    let job = s.wait_done(id).await;
    assert_eq!(job["status"], 10, "Warning: the broken profile, {job}");
    let data = pipeline_data(&s, id).await;
    assert_eq!(
        data,
        [
            "<S>hello from the profile, ada True</S>".to_string(),
            format!("<S>{}</S>", profiles.join("profile.ps1").display()),
        ]
    );
    let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
    let messages = texts(&output, "message");
    assert_eq!(messages[0], "profile loaded");
    assert!(
        messages[1].contains("Microsoft.PowerShell_profile.ps1 failed: broken profile"),
        "{messages:?}"
    );

    let id = s.run("without.ps1?Name=ada", json!({})).await;
    assert_eq!(s.wait_done(id).await["status"], 2);
    assert_eq!(pipeline_data(&s, id).await[0], "<S>no profile</S>");
}
