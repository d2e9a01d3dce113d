module github.com/ipai-ai/ipai-connectors

go 1.26.8
