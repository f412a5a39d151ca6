//! Read-Host (plain and secure), prompts, PromptForChoice and Get-Credential are answered
//! through the caller's host, and the script sees the answers.

mod common;

use std::sync::Arc;

use common::ScriptedHost;
use psrp::{FinalState, Invocation, NoHost};

#[tokio::test]
async fn read_host_plain_and_secure_reach_the_script() {
    let host = Arc::new(ScriptedHost::default());
    host.lines.lock().unwrap().push("Ada".into());
    host.secure.lock().unwrap().push("p@ss wörd".into());
    let script = r#"
        $name = Read-Host
        $secret = Read-Host -AsSecureString
        "name=$name"
        "type=$($secret.GetType().Name)"
        "secret=$([System.Net.NetworkCredential]::new('', $secret).Password)"
    "#;
    let (events, outcome) = common::run(Invocation::text(script), host.clone()).await;
    assert_eq!(outcome.state, FinalState::Completed, "{:?}", outcome.error);
    assert_eq!(
        common::outputs(&events),
        ["name=Ada", "type=SecureString", "secret=p@ss wörd"]
    );
    assert_eq!(
        *host.asked.lock().unwrap(),
        ["read_line", "read_line_secure"]
    );
}

#[tokio::test]
async fn read_host_with_prompt_arrives_as_a_prompt_call() {
    let host = Arc::new(ScriptedHost::default());
    host.lines.lock().unwrap().push("blue".into());
    let (events, _) = common::run(
        Invocation::text("$c = Read-Host -Prompt 'Colour'; \"got $c\""),
        host.clone(),
    )
    .await;
    assert_eq!(common::outputs(&events), ["got blue"]);
    assert!(
        host.asked
            .lock()
            .unwrap()
            .contains(&"field:Colour:System.String".to_string())
    );
}

#[tokio::test]
async fn prompt_for_choice_returns_the_chosen_index() {
    let host = Arc::new(ScriptedHost::default());
    *host.choice.lock().unwrap() = Some(1);
    let script = r#"
        $choices = [System.Management.Automation.Host.ChoiceDescription[]]@('&Yes', '&No')
        $host.UI.PromptForChoice('Deploy', 'Really?', $choices, 0)
    "#;
    let (events, _) = common::run(Invocation::text(script), host.clone()).await;
    assert_eq!(common::outputs(&events), ["1"]);
    assert_eq!(
        *host.asked.lock().unwrap(),
        ["choice:Deploy:Really?:&Yes|&No:0"]
    );
}

#[tokio::test]
async fn get_credential_returns_a_pscredential() {
    let host = Arc::new(ScriptedHost::default());
    *host.credential.lock().unwrap() = Some(("svc".into(), "hunter2".into()));
    let script = r#"
        $c = $host.UI.PromptForCredential('Login', 'for deploy', 'svc', '')
        "$($c.UserName):$($c.GetNetworkCredential().Password)"
    "#;
    let (events, outcome) = common::run(Invocation::text(script), host.clone()).await;
    assert_eq!(
        common::outputs(&events),
        ["svc:hunter2"],
        "{:?}",
        outcome.error
    );
}

#[tokio::test]
async fn a_host_that_refuses_raises_in_the_script() {
    let script = "try { Read-Host; 'answered' } catch { \"caught: $($_.Exception.Message)\" }";
    let (events, _) = common::run(Invocation::text(script), Arc::new(NoHost)).await;
    let out = common::outputs(&events);
    assert_eq!(out.len(), 1);
    assert!(
        out[0].starts_with("caught:") && out[0].contains("Read-Host"),
        "{out:?}"
    );
}
