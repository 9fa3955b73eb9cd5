"""Analysis and NER: the stanza/spaCy pipelines behind one interface (``tagger``), the processor
variants registered over stanza's Document (``stanza_variants``), and the German NER learners
(the CRF and stanza's own trainer) with the model card they write."""
