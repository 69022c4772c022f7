"""Read `template.yaml` the way CloudFormation does: translated by SAM, intrinsics evaluated.

The local cloud builds its resources from the same template that `sam deploy` ships, so
the wiring cannot drift between laptop and AWS. That needs three things plain YAML lacks:
the short-form tags (`!Ref`, `!GetAtt`, `!Sub`, …), which become the long forms
CloudFormation itself sees; SAM's own translator (`translate`), which turns Globals,
Events and the serverless resource types into the CloudFormation AWS deploys; and an
evaluator for the intrinsic functions, fed with the physical names of what the local
cloud created. Nothing here talks to AWS.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "LOCAL_CODE_BUCKET",
    "MANAGED_POLICIES",
    "NO_VALUE",
    "ParameterError",
    "PhysicalResource",
    "ResolveContext",
    "TemplateError",
    "TemplateLoader",
    "UnresolvedReferenceError",
    "UnsupportedIntrinsicError",
    "evaluate_condition",
    "is_intrinsic",
    "load_template",
    "of_type",
    "parse_template",
    "partition_for",
    "referenced_names",
    "resolve",
    "scalar_text",
    "translate",
]


class TemplateError(Exception):
    """The template cannot be read or evaluated as CloudFormation would."""


class UnsupportedIntrinsicError(TemplateError):
    """An intrinsic function the local evaluator does not implement (named in the message)."""


class UnresolvedReferenceError(TemplateError):
    """A Ref, GetAtt or Sub names something that does not exist (yet)."""


class ParameterError(TemplateError):
    """A parameter value is missing or breaks the parameter's own constraints."""


# ---------------------------------------------------------------------------- loading

#: Short-form tags whose long form is `{"Fn::<name>": value}`.
_FN_TAGS: Final = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
)


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that knows CloudFormation's short-form tags.

    Dates stay strings, as in CloudFormation: an unquoted `Version: 2012-10-17` in a
    policy must reach IAM as text, not as a `datetime.date`.
    """


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(  # pragma: no cover - PyYAML has no other nodes
        None, None, f"unexpected node {type(node).__name__}", node.start_mark
    )


def _fn(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}": _construct_node(loader, node)}

    return construct


def _scalar_only(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if not isinstance(node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"!{key} takes a name, not a {type(node).__name__}", node.start_mark
            )
        return {key: loader.construct_scalar(node)}

    return construct


def _construct_get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    """`!GetAtt Res.Attr.Sub` is `[Res, "Attr.Sub"]`: only the first dot splits."""
    if isinstance(node, yaml.ScalarNode):
        text = loader.construct_scalar(node)
        resource, dot, attribute = str(text).partition(".")
        if not dot or not resource or not attribute:
            raise yaml.constructor.ConstructorError(
                None, None, f"!GetAtt {text!r} is not Resource.Attribute", node.start_mark
            )
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": _construct_node(loader, node)}


def _unknown_tag(_loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"unknown CloudFormation tag !{suffix}", node.start_mark
    )


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _name in _FN_TAGS:
    TemplateLoader.add_constructor(f"!{_name}", _fn(_name))
TemplateLoader.add_constructor("!Ref", _scalar_only("Ref"))
TemplateLoader.add_constructor("!Condition", _scalar_only("Condition"))
TemplateLoader.add_constructor("!GetAtt", _construct_get_att)
TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
TemplateLoader.add_multi_constructor("!", _unknown_tag)


def parse_template(text: str) -> dict[str, Any]:
    """The template in `text` in long form (`{"Ref": …}`, `{"Fn::Sub": …}`)."""
    try:
        document = yaml.load(text, Loader=TemplateLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"template is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("template has no Resources mapping")
    return document


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a CloudFormation/SAM template file (YAML or JSON, which is YAML too)."""
    return parse_template(Path(path).read_text(encoding="utf-8"))


def of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    """The template's resources of one type, by logical id, in template order."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    return {k: r for k, r in resources.items() if r.get("Type") == resource_type}


# ---------------------------------------------------------------------------- translating

SAM_TRANSFORM: Final = "AWS::Serverless-2016-10-31"

#: Where a translated function or layer finds its code locally: `sam package` would leave
#: the code in S3; offline, the "key" is the folder (relative to the template) it came from.
LOCAL_CODE_BUCKET: Final = "rotativa-local-folder"

#: AWS managed policies by name, for a function's `Policies: [AWSLambda…]`. SAM would ask
#: IAM for the whole list; translating offline, these few are all it is given.
MANAGED_POLICIES: Final = {
    name: f"arn:aws:iam::aws:policy/{path}"
    for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/AWSLambdaBasicExecutionRole",
        "AWSLambdaSQSQueueExecutionRole": "service-role/AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaDynamoDBExecutionRole": "service-role/AWSLambdaDynamoDBExecutionRole",
        "AWSXrayWriteOnlyAccess": "AWSXrayWriteOnlyAccess",
    }.items()
}


@dataclass(frozen=True)
class _Region:
    """What SAM reads from its boto3 session: the region, nothing else (no credentials)."""

    region_name: str


def translate(
    template: Mapping[str, Any],
    *,
    region: str,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The CloudFormation `sam deploy` hands over for `template`, translated offline.

    SAM itself does the work: Globals merged into each `AWS::Lambda::Function`, each event
    an `AWS::Lambda::EventSourceMapping` with the properties Lambda gets, roles and
    permissions generated where the template asks for them, layers renamed as deployed.
    Local code folders become `s3://LOCAL_CODE_BUCKET/<folder>` first (SAM wants code in
    S3), and named managed policies come from MANAGED_POLICIES, never from IAM. `region`
    is the stack's (SAM resolves `AWS::Region` and the partition with it). A template
    without the SAM transform is CloudFormation already and comes back as a copy.
    """
    ready = _code_in_s3(template)
    transforms = ready.pop("Transform", None)
    if SAM_TRANSFORM not in (transforms if isinstance(transforms, list) else [transforms]):
        return ready
    from samtranslator.metrics.metrics import (  # type: ignore[import-untyped]
        DummyMetricsPublisher,
        Metrics,
    )
    from samtranslator.model.exceptions import (  # type: ignore[import-untyped]
        InvalidDocumentException,
    )
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]
    from samtranslator.utils.py27hash_fix import (  # type: ignore[import-untyped]
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    ready["Transform"] = transforms
    values = dict(parameters or {})
    to_py27_compatible_template(ready, values)  # as samtranslator.transform does: same ids
    # SAM's own partition-aware map of managed policies first; ours for what it lacks.
    # Metrics that go nowhere, published at once: SAM warns at exit about unpublished ones.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(None, Parser(), boto_session=_Region(region), metrics=metrics)
    try:
        translated = translator.translate(
            ready, values, get_managed_policy_map=lambda: dict(MANAGED_POLICIES)
        )
    except InvalidDocumentException as exc:
        causes = "; ".join(getattr(c, "message", str(c)) for c in exc.causes) or str(exc)
        raise TemplateError(f"SAM cannot translate the template: {causes}") from exc
    finally:
        metrics.publish()
    result: dict[str, Any] = undo_mark_unicode_str_in_template(translated)
    return result


def _code_in_s3(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy whose local CodeUri/ContentUri folders are S3 locations naming the folder."""
    ready = copy.deepcopy(dict(template))
    found: list[tuple[dict[str, Any], str]] = [
        ((ready.get("Globals") or {}).get("Function") or {}, "CodeUri")
    ]
    for resource in (ready.get("Resources") or {}).values():
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            found.append((resource.setdefault("Properties", {}), "CodeUri"))
        elif kind == "AWS::Serverless::LayerVersion":
            found.append((resource.setdefault("Properties", {}), "ContentUri"))
    for properties, key in found:
        folder = properties.get(key)
        if isinstance(folder, str) and not folder.startswith("s3://"):
            properties[key] = f"s3://{LOCAL_CODE_BUCKET}/{folder}"
    return ready


# ---------------------------------------------------------------------------- evaluating


class _NoValue:
    """`AWS::NoValue`: the property it stands for is removed, as if never written."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Final = _NoValue()

_PSEUDO_PREFIX: Final = "AWS::"
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
_CONDITION_FUNCTIONS: Final = frozenset({"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"})


def partition_for(region: str) -> str:
    """The ARN partition a region lives in (`AWS::Partition`)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class PhysicalResource:
    """What exists for one logical id: the value of `Ref` and the `GetAtt` attributes.

    `emulated` is False for resources the local cloud cannot build (a CloudFront
    function, a layer, a Lambda function): they still get a stable identity so that
    references to them resolve, but nothing exists behind it.
    """

    logical_id: str
    resource_type: str
    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    emulated: bool = True


@dataclass
class ResolveContext:
    """Everything intrinsic functions can see: parameters, conditions, resources so far.

    `resources` is read at each call, so a provisioner can add to it as it goes and
    resolve each resource's properties once everything it depends on exists.
    """

    stack_name: str
    region: str
    account_id: str
    parameters: Mapping[str, str | list[str]] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    resources: Mapping[str, PhysicalResource] = field(default_factory=dict)
    template_resources: Mapping[str, Any] = field(default_factory=dict)
    _condition_values: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def for_template(
        cls,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        region: str,
        account_id: str,
        parameters: Mapping[str, str] | None = None,
        resources: Mapping[str, PhysicalResource] | None = None,
    ) -> ResolveContext:
        """A context whose parameters are the template's defaults, overridden by `parameters`.

        Values are checked against the parameter's own constraints, as CloudFormation
        would before creating anything, so a typo fails here and not deep in a handler.
        """
        return cls(
            stack_name=stack_name,
            region=region,
            account_id=account_id,
            parameters=_parameter_values(template.get("Parameters") or {}, parameters or {}),
            conditions=template.get("Conditions") or {},
            mappings=template.get("Mappings") or {},
            resources=resources if resources is not None else {},
            template_resources=template.get("Resources") or {},
        )

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def pseudo_parameter(self, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}"
                f":stack/{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in values:
            raise UnresolvedReferenceError(f"unknown pseudo parameter {name}")
        return values[name]


def _parameter_values(
    declared: Mapping[str, Any], overrides: Mapping[str, str]
) -> dict[str, str | list[str]]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ParameterError(f"the template declares no parameter {', '.join(unknown)}")
    values: dict[str, str | list[str]] = {}
    for name, spec in declared.items():
        spec = spec or {}
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise ParameterError(f"parameter {name} has no Default and no value was given")
        text = scalar_text(raw) if not isinstance(raw, list) else ",".join(map(str, raw))
        _check_parameter(name, spec, text)
        kind = str(spec.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = [part.strip() for part in text.split(",")] if text else []
        else:
            values[name] = text
    return values


def _check_parameter(name: str, spec: Mapping[str, Any], text: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in {scalar_text(v) for v in allowed}:
        raise ParameterError(f"parameter {name}={text!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), text):
        raise ParameterError(f"parameter {name}={text!r} does not match {pattern}")
    if "MinLength" in spec and len(text) < int(spec["MinLength"]):
        raise ParameterError(f"parameter {name} is shorter than {spec['MinLength']}")
    if "MaxLength" in spec and len(text) > int(spec["MaxLength"]):
        raise ParameterError(f"parameter {name} is longer than {spec['MaxLength']}")
    if spec.get("Type") == "Number":
        try:
            number = float(text)
        except ValueError:
            raise ParameterError(f"parameter {name}={text!r} is not a number") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise ParameterError(f"parameter {name}={text} is below {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise ParameterError(f"parameter {name}={text} is above {spec['MaxValue']}")


def scalar_text(value: Any) -> str:
    """How CloudFormation spells a scalar when it becomes a string (`true`, `10`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_intrinsic(value: Any) -> bool:
    """True for `{"Ref": …}`, `{"Fn::…": …}` and `{"Condition": …}` nodes."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def resolve(value: Any, context: ResolveContext, *, where: str = "") -> Any:
    """`value` with every intrinsic function evaluated against `context`.

    Properties that resolve to `AWS::NoValue` are removed from their mapping or list;
    a top-level `AWS::NoValue` comes back as `NO_VALUE`. `where` names the place in the
    template for error messages.
    """
    if isinstance(value, dict):
        if is_intrinsic(value):
            ((key, argument),) = value.items()
            return _evaluate(key, argument, context, where)
        resolved_map: dict[str, Any] = {}
        for key, item in value.items():
            result = resolve(item, context, where=_join(where, str(key)))
            if result is not NO_VALUE:
                resolved_map[key] = result
        return resolved_map
    if isinstance(value, list):
        resolved_list = [
            resolve(item, context, where=_join(where, str(i))) for i, item in enumerate(value)
        ]
        return [item for item in resolved_list if item is not NO_VALUE]
    return value


def evaluate_condition(name: str, context: ResolveContext) -> bool:
    """The value of the named entry of the template's Conditions section."""
    cache = context._condition_values
    if name in cache:
        return cache[name]
    if name not in context.conditions:
        raise UnresolvedReferenceError(f"the template declares no condition {name!r}")
    cache[name] = False  # a placeholder that breaks (invalid) cycles instead of recursing
    value = _condition(context.conditions[name], context, f"Conditions.{name}")
    cache[name] = value
    return value


def referenced_names(value: Any) -> set[str]:
    """Every name `value` refers to through Ref, GetAtt or Sub: the edges of the graph.

    Parameters and pseudo parameters are included; the caller keeps the resource ids.
    """
    names: set[str] = set()
    for key, argument in _intrinsics(value):
        if key == "Ref" and isinstance(argument, str):
            names.add(argument)
        elif key == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(target, str):
                names.add(target.split(".", 1)[0])
        elif key == "Fn::Sub":
            text, variables = _sub_parts(argument)
            for match in _SUB_VARIABLE.finditer(text or ""):
                name = match.group(1)
                if name.startswith("!"):
                    continue
                head = name if name.startswith(_PSEUDO_PREFIX) else name.split(".", 1)[0]
                if head not in variables:
                    names.add(head)
    return names


def _sub_parts(argument: Any) -> tuple[str | None, Mapping[str, Any]]:
    """Fn::Sub's template string and its own variables, in either of its two forms."""
    if isinstance(argument, str):
        return argument, {}
    if (
        isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[0], str)
        and isinstance(argument[1], dict)
    ):
        return argument[0], argument[1]
    return None, {}


def _intrinsics(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        if is_intrinsic(value):
            ((key, argument),) = value.items()
            yield key, argument
        for item in value.values():
            yield from _intrinsics(item)
    elif isinstance(value, list):
        for item in value:
            yield from _intrinsics(item)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _at(where: str) -> str:
    return f" (at {where})" if where else ""


def _evaluate(key: str, argument: Any, context: ResolveContext, where: str) -> Any:
    handler = _FUNCTIONS.get(key)
    if handler is None:
        if key in _CONDITION_FUNCTIONS:
            raise TemplateError(f"{key} is only valid inside Conditions or Fn::If{_at(where)}")
        raise UnsupportedIntrinsicError(
            f"{key} is not supported by the local cloud's template evaluator{_at(where)}"
        )
    return handler(argument, context, where)


def _ref(argument: Any, context: ResolveContext, where: str) -> Any:
    if not isinstance(argument, str):
        raise TemplateError(f"Ref takes a name, got {argument!r}{_at(where)}")
    if argument.startswith(_PSEUDO_PREFIX):
        return context.pseudo_parameter(argument)
    if argument in context.parameters:
        return context.parameters[argument]
    return _resource(argument, context, where).physical_id


def _resource(logical_id: str, context: ResolveContext, where: str) -> PhysicalResource:
    found = context.resources.get(logical_id)
    if found is not None:
        return found
    if logical_id in context.template_resources:
        raise UnresolvedReferenceError(
            f"resource {logical_id} does not exist: not created yet, or its Condition is "
            f"false{_at(where)}"
        )
    raise UnresolvedReferenceError(
        f"{logical_id} is neither a parameter nor a resource of the template{_at(where)}"
    )


def _get_att(argument: Any, context: ResolveContext, where: str) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if not isinstance(argument, list) or len(argument) != 2:
        raise TemplateError(f"Fn::GetAtt takes [resource, attribute]{_at(where)}")
    logical_id, attribute = argument[0], resolve(argument[1], context, where=where)
    resource = _resource(str(logical_id), context, where)
    if attribute not in resource.attributes:
        known = ", ".join(sorted(resource.attributes)) or "none"
        raise UnresolvedReferenceError(
            f"{logical_id} ({resource.resource_type}) has no attribute {attribute!r} "
            f"locally (known: {known}){_at(where)}"
        )
    return resource.attributes[attribute]


def _sub(argument: Any, context: ResolveContext, where: str) -> str:
    text, declared = _sub_parts(argument)
    if text is None:
        raise TemplateError(f"Fn::Sub takes a string or [string, {{variables}}]{_at(where)}")
    variables = {
        name: resolve(item, context, where=_join(where, name)) for name, item in declared.items()
    }

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            value = variables[name]
        elif name.startswith(_PSEUDO_PREFIX) or name in context.parameters:
            value = _ref(name, context, where)
        elif "." in name:
            value = _get_att(name.split(".", 1), context, where)
        else:
            value = _ref(name, context, where)
        if isinstance(value, (list, dict)) or value is NO_VALUE:
            raise TemplateError(f"Fn::Sub variable ${{{name}}} is not a string{_at(where)}")
        return scalar_text(value)

    return _SUB_VARIABLE.sub(substitute, text)


def _list_argument(
    name: str, argument: Any, arity: int, context: ResolveContext, where: str
) -> list[Any]:
    if not isinstance(argument, list) or len(argument) != arity:
        raise TemplateError(f"{name} takes a list of {arity} items{_at(where)}")
    return [resolve(item, context, where=where) for item in argument]


def _join_fn(argument: Any, context: ResolveContext, where: str) -> str:
    delimiter, items = _list_argument("Fn::Join", argument, 2, context, where)
    if not isinstance(items, list):
        raise TemplateError(f"Fn::Join needs a list to join, got {items!r}{_at(where)}")
    return str(delimiter).join(scalar_text(item) for item in items)


def _select(argument: Any, context: ResolveContext, where: str) -> Any:
    index, items = _list_argument("Fn::Select", argument, 2, context, where)
    if not isinstance(items, list):
        raise TemplateError(f"Fn::Select needs a list, got {items!r}{_at(where)}")
    position = int(index)
    if not 0 <= position < len(items):
        raise TemplateError(f"Fn::Select index {position} is outside {items!r}{_at(where)}")
    return items[position]


def _split(argument: Any, context: ResolveContext, where: str) -> list[str]:
    delimiter, source = _list_argument("Fn::Split", argument, 2, context, where)
    if not isinstance(source, str):
        raise TemplateError(f"Fn::Split needs a string, got {source!r}{_at(where)}")
    return source.split(str(delimiter))


def _if(argument: Any, context: ResolveContext, where: str) -> Any:
    if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
        raise TemplateError(f"Fn::If takes [condition, if-true, if-false]{_at(where)}")
    branch = argument[1] if evaluate_condition(argument[0], context) else argument[2]
    return resolve(branch, context, where=where)


def _find_in_map(argument: Any, context: ResolveContext, where: str) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        raise TemplateError(f"Fn::FindInMap takes [map, key, key]{_at(where)}")
    map_name, top, second = (scalar_text(resolve(a, context, where=where)) for a in argument)
    try:
        return resolve(context.mappings[map_name][top][second], context, where=where)
    except (KeyError, TypeError):
        raise UnresolvedReferenceError(
            f"Fn::FindInMap found nothing at {map_name}.{top}.{second}{_at(where)}"
        ) from None


def _base64(argument: Any, context: ResolveContext, where: str) -> str:
    text = resolve(argument, context, where=where)
    return base64.b64encode(scalar_text(text).encode("utf-8")).decode("ascii")


_FUNCTIONS: Final[dict[str, Callable[[Any, ResolveContext, str], Any]]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join_fn,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
}


def _condition(expression: Any, context: ResolveContext, where: str) -> bool:
    if isinstance(expression, bool):
        return expression
    if not is_intrinsic(expression):
        raise TemplateError(f"a condition must be a condition function{_at(where)}")
    ((key, argument),) = expression.items()
    if key == "Condition":
        return evaluate_condition(str(argument), context)
    if key == "Fn::Equals":
        left, right = _list_argument("Fn::Equals", argument, 2, context, where)
        return bool(_comparable(left) == _comparable(right))
    if key == "Fn::Not":
        if not isinstance(argument, list) or len(argument) != 1:
            raise TemplateError(f"Fn::Not takes a list of one condition{_at(where)}")
        return not _condition(argument[0], context, where)
    if key in ("Fn::And", "Fn::Or"):
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise TemplateError(f"{key} takes a list of 2 to 10 conditions{_at(where)}")
        values = (_condition(item, context, where) for item in argument)
        return all(values) if key == "Fn::And" else any(values)
    if key in _FUNCTIONS:
        raise TemplateError(f"{key} is not a condition function{_at(where)}")
    raise UnsupportedIntrinsicError(
        f"{key} is not supported by the local cloud's template evaluator{_at(where)}"
    )


def _comparable(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [scalar_text(item) for item in value]
    return scalar_text(value)
