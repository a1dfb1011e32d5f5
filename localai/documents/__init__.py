"""Chat with documents: reading attached files (``extract``), cutting them into chunks (``chunking``), keeping
them per user and conversation (``store``) and choosing what goes into the prompt (``retrieval``).

Pure and local: no UI, no services, no network. Heavy libraries (pypdf, python-docx, numpy) are imported
inside the functions that use them.
"""

from .chunking import Chunk, split_into_chunks, split_text
from .extract import (SUPPORTED_SUFFIXES, DocumentLimits, DocumentTooLarge, ExtractedDocument, Page, clean_name,
                      extract_text, is_supported)
from .retrieval import (DocumentContext, Encoder, Source, build_context, embed_missing, prompt_with_documents,
                        rank_by_keywords, whole_fits)
from .store import DocumentInfo, DocumentNotFound, DocumentStore, Hit, StoredChunk

__all__ = ["SUPPORTED_SUFFIXES", "Chunk", "DocumentContext", "DocumentInfo", "DocumentLimits", "DocumentNotFound",
           "DocumentStore", "DocumentTooLarge", "Encoder", "ExtractedDocument", "Hit", "Page", "Source",
           "StoredChunk", "build_context", "clean_name", "embed_missing", "extract_text", "is_supported", "prompt_with_documents",
           "rank_by_keywords", "split_into_chunks", "split_text", "whole_fits"]
