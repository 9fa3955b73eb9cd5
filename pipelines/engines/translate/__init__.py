"""Translation engines (argostranslate, the packaged LLM, the labelled gloss) behind one
interface (``translators``), with the requests, glossary and checks that decide what a
translation may say."""
