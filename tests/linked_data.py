"""Reading JSON-LD as RDF in tests: rdflib expands the document's inline @context offline."""

import warnings

import rdflib

DPV = rdflib.Namespace("https://w3id.org/dpv#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def triples_of(text: str) -> rdflib.Graph:
    """The document's triples. rdflib 7's JSON-LD parser builds a ConjunctiveGraph inside,
    which rdflib itself deprecates; that warning is rdflib's, not ours, so it is let pass."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        return rdflib.Graph().parse(data=text, format="json-ld")
