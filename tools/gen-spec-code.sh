#!/bin/sh
# Regenerates the code made from the config model (Runtime/Oci/*.cs): the JSON reader
# (Runtime/Oci/SpecReader.g.cs), the binary codec of config.bin and the init request
# (Runtime/Protocol/SpecCodec.g.cs) and state.json's writer (Runtime/Oci/SpecWriter.g.cs).
# The generator is Runtime.Tests/Generators/SpecCodeGenerator.cs; GeneratedSpecCodeTests fails
# while the checked-in files are stale. A field removed or renamed in the model breaks the build
# of the old generated code first: delete the lines naming it in the .g.cs files, then run this.
set -eu
cd "$(dirname "$0")/.."
RUNCS_REGENERATE=1 dotnet test Runtime.Tests/Runtime.Tests.csproj -c Debug -nologo -v:q \
    --filter "FullyQualifiedName~GeneratedSpecCodeTests"
git status --short -- Runtime/Oci/SpecReader.g.cs Runtime/Protocol/SpecCodec.g.cs Runtime/Oci/SpecWriter.g.cs
