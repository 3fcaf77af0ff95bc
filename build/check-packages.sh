#!/usr/bin/env bash
# Packs the tool and the library as a user would get them and checks both work on this machine:
#   1. the tool, installed into a temporary tool path, runs the README main job to the same test accuracy as
#      `dotnet run` of the checkout;
#   2. a new console project referencing the library package fits on the embedded data (the pretrained weights and
#      the native runtime arrive through the package's dependencies).
# Usage: build/check-packages.sh [WORK_DIR]   (CI runs it after the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
# The packages carry libtorch: the check needs ~3 GB, freed step by step and removed at the end unless WORK_DIR is
# given.
if [ $# -ge 1 ]; then
  work=$1
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
version="0.1.0-check.$(date +%s)" # a version no package cache holds yet
mkdir -p "$work/nupkg"
dotnet pack src/TransferSharp.Cli -c Release -o "$work/nupkg" -p:Version="$version" -v q -nologo
dotnet pack src/TransferSharp -c Release -o "$work/nupkg" -p:Version="$version" -v q -nologo
dotnet tool install TransferSharp.Cli --tool-path "$work/tools" --add-source "$work/nupkg" --version "$version" \
  >/dev/null
"$work/tools/transfersharp" --help >/dev/null
accuracy() { grep -Eo 'test accuracy: [0-9.]+' | tail -1 | cut -d' ' -f3; }
tool=$("$work/tools/transfersharp" fit --size 112 --out "$work/tool-run" | accuracy)
checkout=$(dotnet run -c Release --project src/TransferSharp.Cli -- fit --size 112 --out "$work/checkout-run" \
  | accuracy)
echo "README main job: installed tool $tool, dotnet run $checkout"
[ -n "$tool" ] && [ "$tool" = "$checkout" ] || { echo "error: the installed tool's test accuracy differs"; exit 1; }
rm -rf "$work/tools" "$work/tool-run" "$work/checkout-run"

consumer="$work/consumer"
mkdir -p "$consumer"
cat > "$consumer/nuget.config" <<XML
<configuration><packageSources><add key="checked" value="$work/nupkg" /></packageSources></configuration>
XML
cat > "$consumer/consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><PackageReference Include="TransferSharp" Version="$version" /></ItemGroup>
</Project>
XML
cat > "$consumer/Program.cs" <<'CS'
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;

var learner = new TransferLearner(new LearnerOptions
{
    Data = new DataOptions { Train = args[0], Test = args[1] },
    Model = new ModelOptions { Size = 64 },
    Strategy = new FeatureExtractionOptions(),
});
using FitResult result = learner.Fit();
Console.WriteLine($"test accuracy: {result.Report.TestAccuracy}");
CS
data="$PWD/data/fashion-mnist-small"
library=$(cd "$consumer" \
  && dotnet run -c Release -- "$data/train-images-idx3-ubyte.gz" "$data/t10k-images-idx3-ubyte.gz" | accuracy)
echo "library package in a new project: test accuracy $library (64 px, embedded data)"
[ -n "$library" ] || { echo "error: the library package did not fit"; exit 1; }
