"""The fixed XML parts of a one-sheet .xlsx, as :mod:`aniva_import.results._xlsx_writer` writes it.

They mirror what xlsxwriter writes for the same features (styles, comments and the
legacy VML drawing Excel needs to show notes).
"""

from __future__ import annotations


def _xml(template: str) -> str:
    """A constant template written a few tags a line, joined into one line; a line
    starting with ``~`` continues the previous one after a space."""
    lines = (line.strip() for line in template.splitlines())
    return "".join(" " + line[1:] if line.startswith("~") else line for line in lines)


_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = "http://schemas.openxmlformats.org"
_MAIN = f'xmlns="{_NS}/spreadsheetml/2006/main"'
_R = f"{_NS}/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-"
_RELS_START = f'{_DECL}<Relationships xmlns="{_NS}/package/2006/relationships">'
_RELS = _RELS_START + _xml(f"""
    <Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>
    <Relationship Id="rId2" Type="{_NS}/package/2006/relationships/metadata/core-properties"
    ~Target="docProps/core.xml"/>
    <Relationship Id="rId3" Type="{_R}/extended-properties" Target="docProps/app.xml"/>
    </Relationships>""")
_WORKBOOK_RELS = _RELS_START + _xml(f"""
    <Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>
    <Relationship Id="rId2" Type="{_R}/styles" Target="styles.xml"/></Relationships>""")
_SHEET_RELS = _RELS_START + _xml(f"""
    <Relationship Id="rId1" Type="{_R}/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/>
    <Relationship Id="rId2" Type="{_R}/comments" Target="../comments1.xml"/></Relationships>""")
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_XF = '<xf numFmtId="{}" fontId="{}" fillId="{}" borderId="0" xfId="0"{}/>'
_APPLY = ' applyNumberFormat="1" applyFont="1" applyFill="1"'
_STYLES = _DECL + _xml(f"""
    <styleSheet {_MAIN}><numFmts count="2">
    <numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>
    <numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
    <fonts count="3"><font>{_FONT}</font><font><b/>{_FONT}</font>
    <font><sz val="11"/><color rgb="FF9C0006"/><name val="Calibri"/><family val="2"/></font>
    </fonts><fills count="3"><fill><patternFill patternType="none"/></fill>
    <fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">
    <fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill></fills>
    <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
    <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
    <cellXfs count="7">{_XF.format(0, 0, 0, "")}{_XF.format(0, 1, 0, ' applyFont="1"')}
    {_XF.format(164, 0, 0, ' applyNumberFormat="1"')}
    {_XF.format(165, 0, 0, ' applyNumberFormat="1"')}
    {_XF.format(0, 2, 2, ' applyFont="1" applyFill="1"')}
    {_XF.format(164, 2, 2, _APPLY)}{_XF.format(165, 2, 2, _APPLY)}</cellXfs>
    <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
    <dxfs count="0"/><tableStyles count="0"/></styleSheet>""")
_SHEET_START = _DECL + _xml(f"""
    <worksheet {_MAIN} xmlns:r="{_R}"><sheetViews><sheetView tabSelected="1" workbookViewId="0">
    <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>
    <selection pane="bottomLeft"/></sheetView></sheetViews>
    <sheetFormatPr defaultRowHeight="15"/><sheetData>""")
_SHEET_END = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
)
_NOTES_START = f'{_DECL}<comments {_MAIN}><authors><author></author></authors><commentList>'
_NOTE_RPR = '<rPr><sz val="8"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/></rPr>'
_VML_START = _xml("""
    <xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
    ~xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">
    <o:idmap v:ext="edit" data="{}"/></o:shapelayout>
    <v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"
    ~path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>
    <v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>""")
# xlsxwriter's default note box: 128 x 74 px (96 x 55.5 pt), one column right and one
# row up from its cell; columns 64 px and rows 20 px wide by default.
_VML_SHAPE = _xml("""
    <v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;
    margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:96pt;height:55.5pt;z-index:{z};
    visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>
    <v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>
    <v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>
    <x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>
    <x:Anchor>{c1}, 15, {r1}, 10, {c2}, 15, {r2}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>
    <x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>""")
_WORKBOOK_START = _DECL + _xml(f"""
    <workbook {_MAIN} xmlns:r="{_R}"><workbookPr/><bookViews>
    <workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>
    </bookViews><sheets>""")
_OOXML = f"{_CT}officedocument.spreadsheetml"
_CONTENT_TYPES = _DECL + _xml(f"""
    <Types xmlns="{_NS}/package/2006/content-types">
    <Default Extension="rels" ContentType="{_CT}package.relationships+xml"/>
    <Default Extension="xml" ContentType="application/xml"/>{{}}
    <Override PartName="/docProps/app.xml"
    ~ContentType="{_CT}officedocument.extended-properties+xml"/>
    <Override PartName="/docProps/core.xml" ContentType="{_CT}package.core-properties+xml"/>
    <Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>
    <Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>
    <Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>{{}}
    </Types>""")
_NOTE_TYPES = (
    f'<Default Extension="vml" ContentType="{_CT}officedocument.vmlDrawing"/>',
    f'<Override PartName="/xl/comments1.xml" ContentType="{_OOXML}.comments+xml"/>',
)
_APP = _DECL + _xml(f"""
    <Properties xmlns="{_NS}/officeDocument/2006/extended-properties">
    <Application>Microsoft Excel</Application></Properties>""")
_CORE = _DECL + _xml(f"""
    <cp:coreProperties xmlns:cp="{_NS}/package/2006/metadata/core-properties"
    ~xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
    ~xmlns:dcmitype="http://purl.org/dc/dcmitype/"
    ~xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator></dc:creator>
    <dcterms:created xsi:type="dcterms:W3CDTF">{{now}}</dcterms:created>
    <dcterms:modified xsi:type="dcterms:W3CDTF">{{now}}</dcterms:modified>
    </cp:coreProperties>""")
