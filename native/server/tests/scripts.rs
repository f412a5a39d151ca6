//! Script routes: listing, stable ids, parameters read by real PowerShell, path safety.

mod common;

use common::{Server, expect_error, texts};
use reqwest::Method;
use serde_json::{Value, json};

const TYPED: &str = r#"
[CmdletBinding(DefaultParameterSetName = 'ByName')]
param(
    [Parameter(Mandatory, Position = 0, HelpMessage = 'Who to greet')]
    [string]$Name,
    [ValidateSet('a', 'b')]
    [string[]]$Letters = @('a'),
    [int]$Count = 3,
    [switch]$Loud,
    [System.DayOfWeek]$Day,
    [Parameter(ParameterSetName = 'ById', Mandatory = $true)]
    [datetime]$When,
    $Untyped
)
"done"
"#;

fn param<'a>(params: &'a Value, name: &str) -> &'a Value {
    params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {params}"))
}

#[tokio::test]
async fn lists_scripts_with_stable_ids_and_settings() {
    let config = "[scripts.\"sub/b.ps1\"]\nDescription = \"the b\"\nMaxHistory = 7\nTimeOut = 2\nTags = [\"t\"]\nDisableManualInvocation = true\n";
    let mut s = Server::start(config, &[("a.ps1", "'a'"), ("sub/b.ps1", "'b'")]).await;
    let list = s.get_json("/api/v1/script").await;
    assert_eq!(texts(&list, "fullPath"), ["a.ps1", "sub/b.ps1"]);
    let b = &list[1];
    assert_eq!(
        (
            b["name"].as_str(),
            b["maxHistory"].as_i64(),
            b["timeOut"].as_f64()
        ),
        (Some("b.ps1"), Some(7), Some(2.0))
    );
    assert_eq!(b["description"], "the b");
    assert_eq!(b["tags"], json!(["t"]));
    assert_eq!(list[0]["maxHistory"], 100, "MaxHistory defaults to 100");
    assert_eq!(
        [
            &b["disableManualInvocation"],
            &list[0]["disableManualInvocation"]
        ],
        [true, false]
    );
    // Only other jobs may run it (integrated calls: tests/Integrated.Tests.ps1).
    let r = s.post("/api/v1/script/path/sub/b.ps1", json!({})).await;
    let message = expect_error(r, 403, "script.manual_invocation_disabled").await;
    assert!(message.contains("DisableManualInvocation"), "{message}");

    let id = b["id"].as_i64().unwrap();
    let got = s.get_json(&format!("/api/v1/script/{id}")).await;
    assert_eq!(got["content"], "'b'");
    let by_path = s.get_json("/api/v1/script/path/sub%5Cb.ps1").await;
    assert_eq!(by_path["id"], id, "backslash paths address the same script");

    s.restart().await;
    let again = s.get_json("/api/v1/script").await;
    assert_eq!(again[1]["id"], id, "ids survive a restart");
}

#[tokio::test]
async fn parameters_come_from_powershells_parser() {
    let s = Server::start("", &[("typed.ps1", TYPED)]).await;
    let id = s.get_json("/api/v1/script").await[0]["id"]
        .as_i64()
        .unwrap();
    let params = s.get_json(&format!("/api/v1/script/{id}/parameter")).await;
    assert_eq!(params.as_array().unwrap().len(), 7);
    let name = param(&params, "Name");
    assert_eq!(
        (
            name["type"].as_str(),
            name["mandatory"].as_bool(),
            name["position"].as_i64()
        ),
        (Some("System.String"), Some(true), Some(0))
    );
    assert_eq!(name["helpMessage"], "Who to greet");
    let letters = param(&params, "Letters");
    assert_eq!(letters["type"], "System.String[]");
    assert_eq!(letters["validateSet"], json!(["a", "b"]));
    assert_eq!(letters["defaultValue"], "@('a')");
    assert!(letters["position"].is_null());
    assert_eq!(param(&params, "Count")["type"], "System.Int32");
    assert_eq!(
        param(&params, "Loud")["type"],
        "System.Management.Automation.SwitchParameter"
    );
    let day = param(&params, "Day");
    assert_eq!(day["type"], "System.DayOfWeek");
    assert_eq!(day["enumValues"].as_array().unwrap().len(), 7);
    let when = param(&params, "When");
    assert_eq!(
        (when["type"].as_str(), when["parameterSet"].as_str()),
        (Some("System.DateTime"), Some("ById"))
    );
    assert_eq!(param(&params, "Untyped")["type"], "System.Object");

    // Cached: a second read does not need PowerShell, and a changed file is re-read.
    let again = s.get_json(&format!("/api/v1/script/{id}/parameter")).await;
    assert_eq!(again, params);
    std::fs::write(s.dir.path().join("scripts/typed.ps1"), "param([bool]$Flag)").unwrap();
    let changed = s.get_json(&format!("/api/v1/script/{id}/parameter")).await;
    assert_eq!(
        changed,
        json!([{"name": "Flag", "type": "System.Boolean", "mandatory": false, "position": null,
        "parameterSet": null, "helpMessage": null, "validateSet": [], "defaultValue": null, "enumValues": []}])
    );
}

#[tokio::test]
async fn bad_script_addresses_are_refused() {
    let s = Server::start("", &[("a.ps1", "'a'")]).await;
    std::fs::write(s.dir.path().join("outside.ps1"), "'secret'").unwrap();
    for path in [
        "..%2Foutside.ps1",
        "sub%2F..%2F..%2Foutside.ps1",
        "%2Fetc%2Fpasswd",
        "..%5Coutside.ps1",
    ] {
        let r = s.get(&format!("/api/v1/script/path/{path}")).await;
        expect_error(r, 400, "script.path.invalid").await;
        let r = s
            .post(&format!("/api/v1/script/path/{path}"), json!({}))
            .await;
        expect_error(r, 400, "script.path.invalid").await;
    }
    expect_error(
        s.get("/api/v1/script/path/missing.ps1").await,
        404,
        "script.not_found",
    )
    .await;
    expect_error(s.get("/api/v1/script/999").await, 404, "script.not_found").await;
    expect_error(s.get("/api/v1/script/abc").await, 400, "script.id.invalid").await;
    expect_error(
        s.post("/api/v1/script/999", json!({})).await,
        404,
        "script.not_found",
    )
    .await;
    expect_error(s.get("/api/v1/nothing").await, 404, "route.not_found").await;
    let r = s
        .req(Method::PUT, "/api/v1/script/1", Some(&s.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET,HEAD,POST");
    let why = expect_error(r, 405, "route.method_not_allowed").await;
    assert_eq!(why, "PUT is not allowed on /api/v1/script/1");
}

#[tokio::test]
async fn a_script_that_does_not_parse_is_reported_and_others_still_work() {
    let s = Server::start(
        "",
        &[
            ("bad.ps1", "param([int]$x\n'oops'"),
            ("good.ps1", "param([int]$N)"),
        ],
    )
    .await;
    let list = s.get_json("/api/v1/script").await;
    let id_of = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["fullPath"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let r = s
        .get(&format!("/api/v1/script/{}/parameter", id_of("bad.ps1")))
        .await;
    let message = expect_error(r, 400, "script.syntax").await;
    assert!(message.contains("bad.ps1"), "{message}");
    let r = s.post("/api/v1/script/path/bad.ps1", json!({})).await;
    expect_error(r, 400, "script.syntax").await;
    let good = s
        .get_json(&format!("/api/v1/script/{}/parameter", id_of("good.ps1")))
        .await;
    assert_eq!(good[0]["name"], "N");
}

/// A burst of first calls to a new script parses it once: the calls wait for that one `pwsh`
/// run instead of each starting their own (twenty at once used to keep every call waiting
/// tens of seconds on two cores).
#[tokio::test]
async fn a_burst_of_first_calls_parses_the_script_once() {
    let s = Server::start("", &[("other.ps1", "param($X) $X")]).await;
    std::fs::write(
        s.data().parent().unwrap().join("scripts/burst.ps1"),
        "param([int] $N) $N",
    )
    .unwrap();
    let paths: Vec<String> = (0..8)
        .map(|n| format!("/api/v1/script/path/burst.ps1?N={n}"))
        .collect();
    let calls = paths.iter().map(|path| s.post(path, json!({})));
    for response in futures::future::join_all(calls).await {
        assert_eq!(response.status(), 200);
    }
    let metrics = s.get("/metrics").await.text().await.unwrap();
    let reads = metrics
        .lines()
        .find_map(|line| line.strip_prefix("psujobs_parameter_reads_total "))
        .expect("psujobs_parameter_reads_total");
    // One run for the script present at start, one for the new one.
    assert_eq!(reads, "2", "{metrics}");
}
