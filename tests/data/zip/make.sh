#!/bin/sh
# Re-makes the ZIP-family samples used by tests/unit/test_zip.c.
# Needs: Info-ZIP zip, a JDK's jar and keytool, apksigner, python3
# (standard library zipfile).
#   deflate.zip     zip -9: deflated entries plus a directory entry
#   stored.zip      zip -0: stored entries, archive comment (zip -z)
#   stream.zip      zip writing to a pipe: sizes in data descriptors
#                   (general-purpose bit 3), data descriptor signatures
#   pystream.zip    python3 zipfile writing to a non-seekable stream:
#                   bit 3 on a deflated and a stored entry,
#                   descriptors (with signature) after the data
#   zip64.zip       python3 zipfile force_zip64=True on small entries:
#                   ZIP64 extra fields, ZIP64 end record and locator
#   zip64fz.zip     zip -fz: Info-ZIP's forced ZIP64
#   nested.zip      zip -0 holding deflate.zip stored, between two members
#   hello.jar       jar (JDK) with META-INF/MANIFEST.MF, deflated entries
#                   with data descriptors
# The office and e-book files below are minimal packages, not documents a
# word processor saved: just enough parts in the right layout for a reader
# to open them (and for dredge to tell the kind by the names inside).
#   minimal.docx    [Content_Types].xml, _rels/.rels, word/document.xml
#   minimal.xlsx    [Content_Types].xml, xl/workbook.xml, one sheet
#   minimal.odt     "mimetype" stored first (no extra field), then
#                   content.xml and META-INF/manifest.xml (ODF layout)
#   minimal.epub    "mimetype" stored first, container.xml, an OPF package
#   layout.apk      only the layout of an Android package (AndroidManifest.xml,
#                   classes.dex, META-INF/MANIFEST.MF): not an installable app
#   signed.apk      layout.apk signed by apksigner (APK Signature Scheme v2
#                   only, with a throw-away key from keytool): an APK signing
#                   block, after zero padding, between the members and the
#                   central directory
set -eu
cd "$(dirname "$0")"
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.zip ./*.jar ./*.docx ./*.xlsx ./*.odt ./*.epub ./*.apk

# deterministic timestamps for the inputs
stamp=202401020304.05
mkdir -p "$tmp/files/sub"
seq 1 400 > "$tmp/files/numbers.txt"
printf 'dredge zip sample\n' > "$tmp/files/readme.txt"
head -c 700 /dev/zero | tr '\0' 'z' > "$tmp/files/sub/zeds.txt"
find "$tmp/files" -exec touch -t $stamp {} +

cd "$tmp/files"
zip -q -X -9 -r "$out/deflate.zip" numbers.txt readme.txt sub
zip -q -X -0 "$out/stored.zip" readme.txt sub/zeds.txt
echo "a comment for the stored archive" | zip -q -z "$out/stored.zip"
zip -q -X -9 - numbers.txt readme.txt | cat > "$out/stream.zip"
zip -q -X -fz "$out/zip64fz.zip" readme.txt numbers.txt
zip -q -X -0 "$out/nested.zip" readme.txt
touch -t $stamp "$out/deflate.zip"
(cd "$out" && zip -q -X -0 nested.zip deflate.zip)
zip -q -X -9 "$out/nested.zip" numbers.txt

python3 - "$out" <<'PY'
import sys, zipfile, io
out = sys.argv[1]
ts = (2024, 1, 2, 3, 4, 6)
class Pipe(io.RawIOBase):
    """A write-only stream that cannot seek, like a pipe."""
    def __init__(self, f): self.f = f
    def writable(self): return True
    def write(self, b): return self.f.write(b)
with open(out + "/pystream.zip", "wb") as f:
    with zipfile.ZipFile(Pipe(f), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, how in (("a.txt", b"alpha " * 50, zipfile.ZIP_DEFLATED),
                                ("b/c.txt", b"charlie\n" * 30, zipfile.ZIP_STORED)):
            zi = zipfile.ZipInfo(name, ts)
            zi.compress_type = how
            with z.open(zi, "w") as w:
                w.write(data)
with zipfile.ZipFile(out + "/zip64.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in (("big-one.txt", b"zip64 " * 80), ("two.txt", b"2\n")):
        zi = zipfile.ZipInfo(name, ts)
        zi.compress_type = zipfile.ZIP_DEFLATED
        with z.open(zi, "w", force_zip64=True) as w:
            w.write(data)
PY

mkdir -p "$tmp/jar/org/dredge"
cd "$tmp/jar"
printf 'class placeholder\n' > org/dredge/Hello.class.txt
printf 'Main-Class: org.dredge.Hello\n' > manifest.txt
find . -exec touch -t $stamp {} +
jar --create --file "$out/hello.jar" --manifest manifest.txt --date 2024-01-02T03:04:05Z org

# minimal OOXML word processing package
mkdir -p "$tmp/docx/_rels" "$tmp/docx/word"
cd "$tmp/docx"
cat > '[Content_Types].xml' <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
X
cat > _rels/.rels <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
X
cat > word/document.xml <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>dredge docx sample</w:t></w:r></w:p></w:body></w:document>
X
find . -exec touch -t $stamp {} +
zip -q -X -9 "$out/minimal.docx" '[Content_Types].xml' _rels/.rels word/document.xml

# minimal OOXML spreadsheet package
mkdir -p "$tmp/xlsx/_rels" "$tmp/xlsx/xl/_rels" "$tmp/xlsx/xl/worksheets"
cd "$tmp/xlsx"
cat > '[Content_Types].xml' <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>
X
cat > _rels/.rels <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
X
cat > xl/workbook.xml <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>
X
cat > xl/_rels/workbook.xml.rels <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
X
cat > xl/worksheets/sheet1.xml <<'X'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>42</v></c></row></sheetData></worksheet>
X
find . -exec touch -t $stamp {} +
zip -q -X -9 "$out/minimal.xlsx" '[Content_Types].xml' _rels/.rels xl/workbook.xml \
	xl/_rels/workbook.xml.rels xl/worksheets/sheet1.xml

# minimal ODF text document: mimetype first, stored, no extra field (-X)
mkdir -p "$tmp/odt/META-INF"
cd "$tmp/odt"
printf 'application/vnd.oasis.opendocument.text' > mimetype
cat > content.xml <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text><text:p>dredge odt sample</text:p></office:text></office:body></office:document-content>
X
cat > META-INF/manifest.xml <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>
X
find . -exec touch -t $stamp {} +
zip -q -X -0 "$out/minimal.odt" mimetype
zip -q -X -9 "$out/minimal.odt" content.xml META-INF/manifest.xml

# minimal EPUB: mimetype first and stored, container.xml, OPF, one page
mkdir -p "$tmp/epub/META-INF" "$tmp/epub/OEBPS"
cd "$tmp/epub"
printf 'application/epub+zip' > mimetype
cat > META-INF/container.xml <<'X'
<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>
X
cat > OEBPS/content.opf <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:00000000-0000-4000-8000-000000000000</dc:identifier><dc:title>dredge</dc:title><dc:language>en</dc:language><meta property="dcterms:modified">2024-01-02T03:04:05Z</meta></metadata><manifest><item id="p" href="page.xhtml" media-type="application/xhtml+xml" properties="nav"/></manifest><spine><itemref idref="p"/></spine></package>
X
cat > OEBPS/page.xhtml <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>dredge</title></head><body><nav epub:type="toc"><ol><li><a href="page.xhtml">dredge</a></li></ol></nav></body></html>
X
find . -exec touch -t $stamp {} +
zip -q -X -0 "$out/minimal.epub" mimetype
zip -q -X -9 "$out/minimal.epub" META-INF/container.xml OEBPS/content.opf OEBPS/page.xhtml

# the layout of an Android package (names only; the contents are stand-ins)
mkdir -p "$tmp/apk/META-INF"
cd "$tmp/apk"
printf 'stand-in for binary XML\n' > AndroidManifest.xml
printf 'dex\n035\0' > classes.dex
printf 'Manifest-Version: 1.0\n' > META-INF/MANIFEST.MF
find . -exec touch -t $stamp {} +
zip -q -X -9 "$out/layout.apk" AndroidManifest.xml classes.dex META-INF/MANIFEST.MF

keytool -genkeypair -keystore "$tmp/ks.p12" -storetype PKCS12 \
	-storepass dredgepw -keypass dredgepw -alias dredge -keyalg EC \
	-groupname secp256r1 -validity 10000 -dname "CN=dredge test" >/dev/null 2>&1
apksigner sign --ks "$tmp/ks.p12" --ks-pass pass:dredgepw --min-sdk-version 24 \
	--v1-signing-enabled false --v2-signing-enabled true \
	--out "$out/signed.apk" "$out/layout.apk"
rm -f "$out/signed.apk.idsig"

cd "$out"
for f in *.zip *.jar *.docx *.xlsx *.odt *.epub *.apk; do
	unzip -tq "$f" >/dev/null
done
