"""XML namespaces of the vim25 wire."""

VIM25 = "urn:vim25"
VIM25_SERVICE = "urn:vim25Service"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

XSI_TYPE = f"{{{XSI}}}type"


def vim(local_name: str) -> str:
    """The Clark-notation tag of a urn:vim25 element."""
    return f"{{{VIM25}}}{local_name}"


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
