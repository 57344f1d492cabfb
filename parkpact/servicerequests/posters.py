"""The A4 poster put up in each zone: "Something wrong here? Scan to tell us", with the QR code
that opens the zone's report form. Pure drawing: the zone's facts in, the file's bytes out.

Posters are bilingual whatever the reader's language (visitors to Quanzhou's parks read Chinese
or English), so the two headlines are fixed text, not translations. The PDF uses reportlab's
built-in CID font STSong-Light, which every PDF reader can show without embedding a font.
"""

from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

import segno
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

HEADLINE_ZH = "发现问题？扫码告诉我们"
HEADLINE_EN = "Something wrong here? Scan to tell us"
PROMISE_ZH = "您的报告将直接送达负责的服务单位，并可凭追踪码查看处理进度。"
PROMISE_EN = "Your report goes straight to the team responsible; follow it with your tracking code."
GREEN = "#198754"  # Bootstrap's success green, as on the site
CJK_FONT = "STSong-Light"
# The QR code's side on paper: large enough to scan from two metres on a phone.
QR_SIDE_MM = 120.0
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0


@dataclass(frozen=True)
class PosterFacts:
    """What a zone's poster says."""

    centre_name: str
    park_name: str
    zone_code: str
    zone_name: str
    url: str  # the absolute address of the zone's report form, in the QR code

    @property
    def short_url(self) -> str:
        """The address as people type it: without the scheme."""
        return self.url.split("://", 1)[-1]


def _qr(url: str) -> segno.QRCode:
    # "M" correction survives a scratch or a smear of dirt on a poster outdoors.
    return segno.make(url, error="m", micro=False)


def poster_svg(facts: PosterFacts) -> bytes:
    """An A4 portrait SVG (in millimetres) with the QR code as segno draws it."""
    qr = _qr(facts.url)
    symbol = qr.svg_inline(
        scale=1, border=4, omitsize=True, svgclass=None, lineclass=None, dark="#000"
    )
    left = (PAGE_WIDTH_MM - QR_SIDE_MM) / 2
    top = 92.0
    placed = symbol.replace(
        "<svg ",
        f'<svg x="{left:g}" y="{top:g}" width="{QR_SIDE_MM:g}" height="{QR_SIDE_MM:g}" '
        'shape-rendering="crispEdges" ',
        1,
    )
    centre = PAGE_WIDTH_MM / 2
    sans = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"

    def text(
        y: float, size: float, content: str, *, weight: str = "normal", fill: str = "#000"
    ) -> str:
        return (
            f'<text x="{centre:g}" y="{y:g}" font-size="{size:g}" font-weight="{weight}" '
            f'fill="{fill}" text-anchor="middle">{escape(content)}</text>'
        )

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        f'viewBox="0 0 {PAGE_WIDTH_MM:g} {PAGE_HEIGHT_MM:g}" font-family={quoteattr(sans)}>',
        f"<title>{escape(f'{facts.park_name} · {facts.zone_code} {facts.zone_name}')}</title>",
        '<rect width="210" height="297" fill="#fff"/>',
        f'<rect width="210" height="46" fill="{GREEN}"/>',
        text(20, 9, facts.park_name, weight="bold", fill="#fff"),
        text(34, 7, f"{facts.zone_code} {facts.zone_name}", fill="#fff"),
        text(64, 12, HEADLINE_ZH, weight="bold"),
        text(79, 8.5, HEADLINE_EN, weight="bold"),
        placed,
        text(224, 9, facts.zone_code, weight="bold"),
        f'<text x="{centre:g}" y="235" font-size="5.5" text-anchor="middle" '
        f"font-family=\"'DejaVu Sans Mono', monospace\">{escape(facts.short_url)}</text>",
        text(254, 4.6, PROMISE_ZH, fill="#333"),
        text(262, 4.2, PROMISE_EN, fill="#333"),
        f'<rect y="279" width="210" height="18" fill="{GREEN}"/>',
        text(290, 5, facts.centre_name, fill="#fff"),
        "</svg>",
    ]
    return ("\n".join(parts) + "\n").encode()


def _register_cjk_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _centred(canvas: Canvas, y_mm: float, size: float, content: str, font: str) -> None:
    # A long park or zone name shrinks to fit between 15 mm margins rather than run off.
    room = (PAGE_WIDTH_MM - 30) * mm
    width = pdfmetrics.stringWidth(content, font, size)
    if width > room:
        size = size * room / width
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_WIDTH_MM * mm / 2, (PAGE_HEIGHT_MM - y_mm) * mm, content)


def poster_pdf(facts: PosterFacts) -> bytes:
    """An A4 portrait PDF; Chinese in STSong-Light, the QR code drawn module by module."""
    _register_cjk_font()
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{facts.park_name} · {facts.zone_code} {facts.zone_name}")
    canvas.setAuthor(facts.centre_name)
    width, height = A4
    green = HexColor(GREEN)

    canvas.setFillColor(green)
    canvas.rect(0, height - 46 * mm, width, 46 * mm, stroke=0, fill=1)
    canvas.rect(0, 0, width, 18 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    _centred(canvas, 20, 26, facts.park_name, CJK_FONT)
    _centred(canvas, 34, 20, f"{facts.zone_code} {facts.zone_name}", CJK_FONT)
    _centred(canvas, 290, 14, facts.centre_name, CJK_FONT)

    canvas.setFillColor(HexColor("#000000"))
    _centred(canvas, 64, 34, HEADLINE_ZH, CJK_FONT)
    _centred(canvas, 79, 24, HEADLINE_EN, "Helvetica-Bold")

    qr = _qr(facts.url)
    modules = len(qr.matrix)
    border = 4
    module = QR_SIDE_MM * mm / (modules + 2 * border)
    left = (width - QR_SIDE_MM * mm) / 2 + border * module
    top = height - 92 * mm - border * module
    for row, line in enumerate(qr.matrix):
        column = 0
        while column < modules:
            if not line[column]:
                column += 1
                continue
            run = column
            while run < modules and line[run]:
                run += 1
            # One rectangle per run of dark modules, a hair wider so that no seams show.
            canvas.rect(
                left + column * module,
                top - (row + 1) * module,
                (run - column) * module + 0.05,
                module + 0.05,
                stroke=0,
                fill=1,
            )
            column = run

    _centred(canvas, 224, 26, facts.zone_code, "Helvetica-Bold")
    _centred(canvas, 235, 14, facts.short_url, "Courier")
    canvas.setFillColor(HexColor("#333333"))
    _centred(canvas, 254, 12, PROMISE_ZH, CJK_FONT)
    _centred(canvas, 262, 11, PROMISE_EN, "Helvetica")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
