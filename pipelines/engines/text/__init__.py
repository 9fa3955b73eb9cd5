"""Text engines: document parsing (wiki markup), sentence segmentation, language
identification and near-duplicate detection."""
