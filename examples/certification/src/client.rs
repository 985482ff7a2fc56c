//! The certification client: every call takes the previous reply as input.

use crate::certification::{CertificationClient, Error, Test07ParamsStruct};

/// Runs the certification against the service at `address` and returns
/// what `End` answered in `all_ok`. Every reply is passed to `log` as it
/// arrives (the command line prints them to stderr).
pub async fn run(address: &str, log: &mut dyn FnMut(String)) -> Result<bool, Error> {
    let mut client = CertificationClient::connect(address).await?;

    let start = client.start().await?;
    log(format!("Start: {start:?}"));
    let id = start.client_id.as_str();

    let r01 = client.test01(id).await?;
    log(format!("Test01: {r01:?}"));
    let r02 = client.test02(id, r01.bool).await?;
    log(format!("Test02: {r02:?}"));
    let r03 = client.test03(id, r02.int).await?;
    log(format!("Test03: {r03:?}"));
    let r04 = client.test04(id, r03.float).await?;
    log(format!("Test04: {r04:?}"));
    let r05 = client.test05(id, &r04.string).await?;
    log(format!("Test05: {r05:?}"));
    let r06 = client
        .test06(id, r05.bool, r05.int, r05.float, &r05.string)
        .await?;
    log(format!("Test06: {r06:?}"));
    let s = r06.r#struct;
    let r07 = client
        .test07(
            id,
            &Test07ParamsStruct {
                bool: s.bool,
                int: s.int,
                float: s.float,
                string: s.string,
            },
        )
        .await?;
    log(format!("Test07: {r07:?}"));
    let r08 = client.test08(id, &r07.map).await?;
    log(format!("Test08: {r08:?}"));
    let r09 = client.test09(id, &r08.set).await?;
    log(format!("Test09: {r09:?}"));

    let mut last_more_replies = Vec::new();
    {
        let mut replies = client.test10_more(id, &r09.mytype).await?;
        while let Some(reply) = replies.next().await {
            let reply = reply?;
            log(format!("Test10: {reply:?}"));
            last_more_replies.push(reply.string);
        }
    }

    client.test11_oneway(id, &last_more_replies).await?;
    log("Test11: sent oneway".to_owned());

    let end = client.end(id).await?;
    log(format!("End: {end:?}"));
    Ok(end.all_ok)
}
