"""The local cloud builds what template.yaml declares, on moto, with nothing re-typed.

Every expectation here is read from the template itself, or from SAM's translation of it
(`local_stack.template`, what CloudFormation gets), so the test fails when the local
build drifts from the template, not when the template changes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from rotativa_tools.local import moto_patches
from rotativa_tools.local.provision import NOT_BUILT
from rotativa_tools.local.stack import AwsClients, LocalStack, provision
from rotativa_tools.local.template import ParameterError, TemplateError, of_type
from tests.conftest import ROOT
from tests.integration.conftest import REGION


def _messages(clients: AwsClients, queue_url: str) -> list[dict[str, Any]]:
    """Every message body waiting in the queue, S3's configuration test events left out."""
    bodies: list[dict[str, Any]] = []
    while True:
        received = clients.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        if not received:
            return bodies
        for message in received:
            clients.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body.get("Event") != "s3:TestEvent":
                bodies.append(body)


def test_the_table_is_exactly_the_declared_one(
    local_stack: LocalStack, aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    declared = template["Resources"]["ArticlesTable"]["Properties"]

    table = aws_clients.dynamodb.describe_table(TableName=local_stack.outputs["ArticlesTableName"])[
        "Table"
    ]

    assert table["KeySchema"] == declared["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        declared["AttributeDefinitions"], key=str
    )
    assert table["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    indexes = {
        index["IndexName"]: (index["KeySchema"], index["Projection"])
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        index["IndexName"]: (index["KeySchema"], index["Projection"])
        for index in declared["GlobalSecondaryIndexes"]
    }
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": declared["StreamSpecification"]["StreamViewType"],
    }
    assert table["LatestStreamArn"] == local_stack.attribute("ArticlesTable", "StreamArn")
    backups = aws_clients.dynamodb.describe_continuous_backups(TableName=table["TableName"])
    assert (
        backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"
        ]
        == "ENABLED"
    )


def test_table_writes_reach_its_stream(local_stack: LocalStack, aws_clients: AwsClients) -> None:
    # GIVEN the stream the IndexFunction is wired to
    (source,) = local_stack.functions["IndexFunction"].events
    assert source.stream_arn is not None
    assert source.starting_position == "TRIM_HORIZON"
    streams = boto3.client("dynamodbstreams", region_name=REGION)

    # WHEN an article item is written
    aws_clients.dynamodb.put_item(
        TableName=local_stack.outputs["ArticlesTableName"],
        Item={"pk": {"S": "article#carrera"}, "sk": {"S": "article"}},
    )

    # THEN the stream has the record, keys and new image included
    shard = streams.describe_stream(StreamArn=source.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=source.stream_arn,
        ShardId=shard["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    (record,) = streams.get_records(ShardIterator=iterator)["Records"]
    assert record["dynamodb"]["Keys"]["sk"] == {"S": "article"}
    assert record["dynamodb"]["NewImage"]["pk"] == {"S": "article#carrera"}


def test_the_inbox_notifies_the_ingest_queue(
    local_stack: LocalStack, aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    declared = template["Resources"]["InboxBucket"]["Properties"]["NotificationConfiguration"]

    configuration = aws_clients.s3.get_bucket_notification_configuration(
        Bucket=local_stack.outputs["InboxBucketName"]
    )

    queues = configuration["QueueConfigurations"]
    assert len(queues) == len(declared["QueueConfigurations"])
    assert {q["QueueArn"] for q in queues} == {local_stack.attribute("IngestQueue", "Arn")}

    def rules(filters: Any) -> list[tuple[str, str]]:
        return [(str(r["Name"]).lower(), r["Value"]) for r in filters or []]

    assert sorted(
        (q["Events"][0], rules(q.get("Filter", {}).get("Key", {}).get("FilterRules")))
        for q in queues
    ) == sorted(
        (d["Event"], rules(d.get("Filter", {}).get("S3Key", {}).get("Rules")))
        for d in declared["QueueConfigurations"]
    )


def test_an_upload_to_the_inbox_lands_in_the_ingest_queue(
    local_stack: LocalStack, aws_clients: AwsClients
) -> None:
    inbox = local_stack.outputs["InboxBucketName"]
    queue_url = local_stack.outputs["IngestQueueUrl"]

    # WHEN an editor uploads an article and the validator writes a report
    aws_clients.s3.put_object(Bucket=inbox, Key="articles/x.md", Body=b"---\ntitle: x\n---\n")
    aws_clients.s3.put_object(Bucket=inbox, Key="reports/x.md.json", Body=b"{}")

    # THEN both are announced (moto's s3:TestEvent is skipped by the helper): every key is,
    # so that a misplaced upload gets a report; ingest lets the reports' own events go
    records = [record for event in _messages(aws_clients, queue_url) for record in event["Records"]]
    assert {r["eventName"] for r in records} == {"ObjectCreated:Put"}
    assert {r["s3"]["bucket"]["name"] for r in records} == {inbox}
    keys = {r["s3"]["object"]["key"] for r in records}
    assert keys == {"articles%2Fx.md", "reports%2Fx.md.json"}  # URL-encoded, as AWS does


def test_delete_markers_on_the_versioned_inbox_are_announced(
    local_stack: LocalStack, aws_clients: AwsClients
) -> None:
    """moto sends nothing when a versioned object is deleted; AWS sends
    ObjectRemoved:DeleteMarkerCreated, and local/moto_patches.py makes moto do the same."""
    moto_patches.apply()
    inbox = local_stack.outputs["InboxBucketName"]
    queue_url = local_stack.outputs["IngestQueueUrl"]
    aws_clients.s3.put_object(Bucket=inbox, Key="articles/x.md", Body=b"x")
    _messages(aws_clients, queue_url)

    aws_clients.s3.delete_object(Bucket=inbox, Key="articles/x.md")

    [message] = _messages(aws_clients, queue_url)
    [record] = message["Records"]
    assert record["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert record["s3"]["object"]["key"] == "articles%2Fx.md"


def test_queues_carry_the_declared_attributes_and_redrive(
    local_stack: LocalStack, aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    queues = {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue"
    }
    for logical_id, declared in queues.items():
        attributes = aws_clients.sqs.get_queue_attributes(
            QueueUrl=local_stack.physical_id(logical_id), AttributeNames=["All"]
        )["Attributes"]
        assert attributes["QueueArn"] == local_stack.attribute(logical_id, "Arn")
        for name in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if name in declared:
                assert attributes[name] == str(declared[name]), (logical_id, name)
        if "RedrivePolicy" in declared:
            redrive = json.loads(attributes["RedrivePolicy"])
            dead_letter = declared["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert redrive["deadLetterTargetArn"] == local_stack.attribute(dead_letter, "Arn")
            assert int(redrive["maxReceiveCount"]) == declared["RedrivePolicy"]["maxReceiveCount"]


def test_functions_are_listed_with_everything_resolved(
    local_stack: LocalStack, template: dict[str, Any]
) -> None:
    declared = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert set(local_stack.functions) == declared
    for spec in local_stack.functions.values():
        assert spec.code_uri.parent == ROOT / "src" / "functions"
        assert (spec.handler_module, spec.handler_function) == ("app", "lambda_handler")
        assert spec.layers == [ROOT / "src" / "shared"]
        own = template["Resources"][spec.logical_id]["Properties"]
        assert spec.timeout == own.get("Timeout", template["Globals"]["Function"]["Timeout"])
        assert all(isinstance(value, str) for value in spec.environment.values())
        assert spec.environment["ARTICLES_TABLE"] == local_stack.outputs["ArticlesTableName"]
        assert spec.environment["SITE_NAME"] == template["Parameters"]["SiteName"]["Default"]

    validate = local_stack.functions["ValidateFunction"].environment
    assert validate["INBOX_BUCKET"] == local_stack.outputs["InboxBucketName"]
    index = local_stack.functions["IndexFunction"].environment
    assert index["RENDER_QUEUE_URL"] == local_stack.outputs["RenderQueueUrl"]
    assert index["RELATED_UPDATE_LIMIT"] == "10"
    invalidate = local_stack.functions["InvalidateFunction"].environment
    assert invalidate["DISTRIBUTION_ID"] == local_stack.outputs["DistributionId"]


def test_event_sources_are_the_translated_event_source_mappings(local_stack: LocalStack) -> None:
    mappings = of_type(local_stack.template, "AWS::Lambda::EventSourceMapping")
    assert sum(len(spec.events) for spec in local_stack.functions.values()) == len(mappings)
    for logical_id, spec in local_stack.functions.items():
        for source in spec.events:
            # SAM names a mapping after its function and event
            declared = mappings[logical_id + source.name]["Properties"]
            assert declared["FunctionName"] == {"Ref": logical_id}
            resource, attribute = declared["EventSourceArn"]["Fn::GetAtt"]
            assert source.source_arn == local_stack.attribute(resource, attribute)
            assert source.report_batch_item_failures
            if source.kind == "SQS":
                assert source.queue_url == local_stack.physical_id(resource)

    (stream,) = local_stack.functions["IndexFunction"].events
    properties = mappings["IndexFunction" + stream.name]["Properties"]
    assert stream.kind == "DynamoDB"
    assert stream.table_name == local_stack.outputs["ArticlesTableName"]
    assert stream.batch_size == properties["BatchSize"]
    assert stream.batching_window_seconds == properties["MaximumBatchingWindowInSeconds"]
    assert stream.maximum_retry_attempts == properties["MaximumRetryAttempts"]
    assert stream.bisect_on_error is properties["BisectBatchOnFunctionError"]
    assert stream.on_failure_queue_url == local_stack.outputs["IndexDLQUrl"]
    assert stream.filter_patterns == [
        json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]
    ]
    (changed_paths,) = local_stack.functions["InvalidateFunction"].events
    assert changed_paths.batching_window_seconds == int(
        local_stack.parameters["InvalidationBatchWindow"]  # type: ignore[arg-type]
    )


def test_functions_are_the_translated_ones(local_stack: LocalStack) -> None:
    translated = of_type(local_stack.template, "AWS::Lambda::Function")
    assert set(local_stack.functions) == set(translated)
    for logical_id, spec in local_stack.functions.items():
        properties = translated[logical_id]["Properties"]
        assert spec.timeout == properties["Timeout"]
        assert spec.memory == properties["MemorySize"]
        assert spec.runtime == properties["Runtime"]
        assert set(spec.environment) == set(properties["Environment"]["Variables"])


def test_outputs_name_the_real_resources(
    local_stack: LocalStack, aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    assert set(local_stack.outputs) == set(template["Outputs"])
    assert all("{" not in value for value in local_stack.outputs.values())
    for output, resource in (
        ("IngestQueueUrl", "IngestQueue"),
        ("InboxBucketName", "InboxBucket"),
        ("SiteBucketName", "SiteBucket"),
        ("DistributionId", "Distribution"),
    ):
        assert local_stack.outputs[output] == local_stack.physical_id(resource)
    assert local_stack.outputs["InboxBucketName"].startswith(local_stack.stack_name + "-inbox-")
    distribution = aws_clients.cloudfront.get_distribution(Id=local_stack.outputs["DistributionId"])
    assert (
        distribution["Distribution"]["DomainName"] == local_stack.outputs["DistributionDomainName"]
    )
    aws_clients.cloudfront.create_invalidation(
        DistributionId=local_stack.outputs["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/"]}, "CallerReference": "t"},
    )


def test_what_moto_cannot_build_is_noted_not_hidden(local_stack: LocalStack) -> None:
    for logical_id in ("IndexRewriteFunction", "SecurityHeadersPolicy", "OriginAccessControl"):
        assert not local_stack.resources[logical_id].emulated
        assert any(note.startswith(f"{logical_id}:") for note in local_stack.notes)
    assert any("DenyInsecureTransport" in note for note in local_stack.notes)
    # every resource that is not built is of a type listed, with its reason, in NOT_BUILT
    for logical_id, resource in local_stack.resources.items():
        if resource.resource_type in NOT_BUILT:
            reason, _identity = NOT_BUILT[resource.resource_type]
            assert f"{logical_id}: {resource.resource_type} is not emulated locally: {reason}" in (
                local_stack.notes
            )


def test_a_resource_type_nobody_listed_stops_the_build(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    extended = copy.deepcopy(template)
    extended["Resources"]["Nightly"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {"ScheduleExpression": "rate(1 day)"},
    }

    with pytest.raises(TemplateError, match=r"Nightly: .*AWS::Events::Rule.*NOT_BUILT"):
        provision(extended, aws_clients, template_dir=ROOT)


def test_a_new_queue_and_function_need_no_code_change(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    # GIVEN a copy of the template with one more queue and a function consuming it
    extended = copy.deepcopy(template)
    extended["Resources"]["SitemapQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"VisibilityTimeout": 99},
    }
    extended["Resources"]["SitemapFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "src/functions/sitemap/",
            "Handler": "app.lambda_handler",
            "Timeout": 10,
            "Environment": {"Variables": {"SITEMAP_QUEUE_URL": {"Ref": "SitemapQueue"}}},
            "Events": {
                "Pings": {
                    "Type": "SQS",
                    "Properties": {
                        "Queue": {"Fn::GetAtt": ["SitemapQueue", "Arn"]},
                        "BatchSize": 5,
                    },
                }
            },
        },
    }

    # WHEN it is provisioned
    stack = provision(extended, aws_clients, template_dir=ROOT)

    # THEN the queue exists and the function is listed with its event source
    queue_url = stack.physical_id("SitemapQueue")
    attributes = aws_clients.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]
    assert attributes["VisibilityTimeout"] == "99"
    spec = stack.functions["SitemapFunction"]
    assert spec.timeout == 10
    assert spec.memory == template["Globals"]["Function"]["MemorySize"]
    assert spec.environment["SITEMAP_QUEUE_URL"] == queue_url
    assert spec.environment["ARTICLES_TABLE"] == stack.outputs["ArticlesTableName"]
    (source,) = spec.events
    assert (source.kind, source.queue_url, source.batch_size) == ("SQS", queue_url, 5)
    # and SAM made it the role it makes for a function that names none
    role = stack.template["Resources"]["SitemapFunction"]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert stack.resources[role].resource_type == "AWS::IAM::Role"


def test_what_a_mapping_leaves_out_is_what_lambda_defaults_to(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    # GIVEN events that name their source and nothing else
    extended = copy.deepcopy(template)
    events = extended["Resources"]["RenderFunction"]["Properties"]["Events"]
    events["Renders"]["Properties"] = {"Queue": {"Fn::GetAtt": ["RenderQueue", "Arn"]}}
    events["Changes"] = {
        "Type": "DynamoDB",
        "Properties": {
            "Stream": {"Fn::GetAtt": ["ArticlesTable", "StreamArn"]},
            "StartingPosition": "LATEST",
        },
    }

    # WHEN it is provisioned
    stack = provision(extended, aws_clients, template_dir=ROOT)

    # THEN the mappings carry only what was written, and the sources Lambda's defaults
    mappings = of_type(stack.template, "AWS::Lambda::EventSourceMapping")
    assert "BatchSize" not in mappings["RenderFunctionRenders"]["Properties"]
    sources = {source.name: source for source in stack.functions["RenderFunction"].events}
    assert (sources["Renders"].batch_size, sources["Renders"].batching_window_seconds) == (10, 0)
    assert not sources["Renders"].report_batch_item_failures
    stream = sources["Changes"]
    assert (stream.batch_size, stream.maximum_retry_attempts, stream.bisect_on_error) == (
        100,
        None,
        False,
    )
    assert stream.starting_position == "LATEST"


def test_parameters_override_the_defaults(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    stack = provision(
        template,
        aws_clients,
        stack_name="rotativa-prod",
        parameters={"Stage": "prod", "InvalidationBatchWindow": "0", "SiteLocale": "en"},
        template_dir=ROOT,
    )

    table = aws_clients.dynamodb.describe_table(TableName=stack.outputs["ArticlesTableName"])
    assert table["Table"]["DeletionProtectionEnabled"] is True
    (source,) = stack.functions["InvalidateFunction"].events
    assert (source.batch_size, source.batching_window_seconds) == (10, 0)
    assert stack.functions["RenderFunction"].environment["SITE_LOCALE"] == "en"


def test_a_bad_parameter_fails_before_anything_is_built(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    with pytest.raises(ParameterError, match="Stage"):
        provision(template, aws_clients, parameters={"Stage": "qa"})
    assert aws_clients.s3.list_buckets()["Buckets"] == []


def test_provisioning_again_finds_the_same_resources(
    local_stack: LocalStack, aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    again = provision(template, aws_clients, region=REGION, template_dir=ROOT)

    assert again.outputs == local_stack.outputs


def test_an_event_source_outside_the_template_is_refused(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    broken = copy.deepcopy(template)
    broken["Resources"]["RenderFunction"]["Properties"]["Events"]["Renders"]["Properties"][
        "Queue"
    ] = "arn:aws:sqs:eu-south-1:123456789012:somebody-elses-queue"

    with pytest.raises(TemplateError, match="RenderFunction"):
        provision(broken, aws_clients, template_dir=ROOT)


def test_a_sam_s3_event_is_noted_as_not_delivered_rather_than_lost(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    # GIVEN a function fed by SAM's S3 event (S3 → Lambda, not S3 → queue like the inbox)
    extended = copy.deepcopy(template)
    extended["Resources"]["DropBucket"] = {"Type": "AWS::S3::Bucket"}
    extended["Resources"]["RenderFunction"]["Properties"]["Events"]["Dropped"] = {
        "Type": "S3",
        "Properties": {"Bucket": {"Ref": "DropBucket"}, "Events": "s3:ObjectCreated:*"},
    }

    # WHEN it is provisioned
    stack = provision(extended, aws_clients, template_dir=ROOT)

    # THEN SAM's translation puts it on the bucket, and the local cloud says it is not run
    bucket = stack.template["Resources"]["DropBucket"]["Properties"]
    assert bucket["NotificationConfiguration"]["LambdaConfigurations"]
    assert (
        "DropBucket: NotificationConfiguration.LambdaConfigurations are not delivered locally"
        in stack.notes
    )
    permissions = of_type(stack.template, "AWS::Lambda::Permission")
    assert permissions
    assert all(not stack.resources[p].emulated for p in permissions)
