//! Parameters of every common type reach the script typed correctly.

mod common;

use std::sync::Arc;

use clixml::{DateKind, DateTime, Value};
use psrp::{Credential, Invocation, NoHost, ParamValue, SecretString};

const SCRIPT: &str = r#"
param(
    [string]$Text, [int]$Number, [bool]$Flag, [switch]$Force, [string[]]$Names,
    [datetime]$When, [securestring]$Secret, [pscredential]$Cred, $Raw
)
"Text=$($Text.GetType().Name):$Text"
"Number=$($Number.GetType().Name):$Number"
"Flag=$($Flag.GetType().Name):$Flag"
"Force=$($Force.GetType().Name):$($Force.IsPresent)"
"Names=$($Names.GetType().Name):$($Names -join '|')"
"When=$($When.GetType().Name):$($When.ToUniversalTime().ToString('o'))"
"Secret=$($Secret.GetType().Name):$([System.Net.NetworkCredential]::new('', $Secret).Password)"
"Cred=$($Cred.GetType().Name):$($Cred.UserName):$($Cred.GetNetworkCredential().Password)"
"Raw=$($Raw.GetType().Name):$($Raw.a)"
"#;

#[tokio::test]
async fn typed_parameters_reach_the_script() {
    let names = Value::Object(Box::new(clixml::Object {
        type_names: Some(
            ["System.Object[]", "System.Array", "System.Object"]
                .map(String::from)
                .into(),
        ),
        base: Some(clixml::Base::List(
            clixml::ListKind::List,
            vec![Value::Str("a".into()), Value::Str("b c".into())],
        )),
        ..clixml::Object::default()
    }));
    // 2024-05-06T07:08:09Z in ticks.
    let when = DateTime {
        ticks: 638_505_760_890_000_000,
        kind: DateKind::Utc,
    };
    let invocation = Invocation::file(common::script_file(SCRIPT))
        .param("Text", ParamValue::Value(Value::Str("héllo <x>".into())))
        .param("Number", ParamValue::Value(Value::I32(42)))
        .param("Flag", ParamValue::Value(Value::Bool(false)))
        .param("Force", ParamValue::Value(Value::Bool(true)))
        .param("Names", ParamValue::Value(names))
        .param("When", ParamValue::Value(Value::DateTime(when)))
        .param("Secret", ParamValue::SecureString(SecretString::from("top secret")))
        .param(
            "Cred",
            ParamValue::Credential(Credential {
                user_name: "dom\\svc".into(),
                password: SecretString::from("pw!"),
            }),
        )
        .param(
            "Raw",
            ParamValue::CliXml(
                r#"<Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">a</S><I32 N="Value">7</I32></En></DCT></Obj>"#.into(),
            ),
        );
    let (events, outcome) = common::run(invocation, Arc::new(NoHost)).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(
        common::outputs(&events),
        [
            "Text=String:héllo <x>",
            "Number=Int32:42",
            "Flag=Boolean:False",
            "Force=SwitchParameter:True",
            "Names=String[]:a|b c",
            "When=DateTime:2024-05-06T07:08:09.0000000Z",
            "Secret=SecureString:top secret",
            "Cred=PSCredential:dom\\svc:pw!",
            "Raw=Hashtable:7",
        ]
    );
}
