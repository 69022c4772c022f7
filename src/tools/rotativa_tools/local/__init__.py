"""The local cloud: template.yaml built on moto, for laptops and tests without AWS.

`template` reads the SAM template as CloudFormation does (short-form tags, SAM's own
translation, intrinsic functions); `stack` builds the translated resources on moto, one
module of `provision/` per resource type, and describes the functions and their event
source mappings; the rest of the package runs those functions on those events. Nothing
is imported here, so `import rotativa_tools.local.template` stays free of boto3 for pure
tests (samtranslator, which imports boto3, is imported only when `translate` runs).
"""
