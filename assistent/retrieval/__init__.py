"""Retrieval: the FAISS + BM25 index of the kennisbank and the search over it."""
