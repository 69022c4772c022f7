"""The local cloud: template.yaml built on moto, for laptops and tests without AWS.

`template` reads the SAM template as CloudFormation does (short-form tags, intrinsic
functions); `stack` creates its resources on moto and describes its functions and their
event sources; the rest of the package runs those functions on those events. Nothing is
imported here, so `import rotativa_tools.local.template` stays free of boto3 for pure tests.
"""
