// Common base of the five views (tokens, embeddings, attention, layers, output): each is a
// QWidget bound to the Session, with a stable name for --view and CSV export of what it shows.
#pragma once

#include <QList>
#include <QString>
#include <QWidget>

class QCustomPlot;

namespace tscope::ui {

class Session;

class View : public QWidget {
    Q_OBJECT
  public:
    View(Session* session, QWidget* parent = nullptr) : QWidget(parent), session_(session) {}
    virtual QString viewName()
        const = 0;                      // "tokens", "embeddings", "attention", "layers", "output"
    virtual QString title() const = 0;  // tab title, e.g. "Attention"
    virtual QString csv() const = 0;    // the current capture of this view as CSV
    virtual QList<QCustomPlot*> plots() const { return {}; }
    // Called after a theme or zoom change: restyle fonts/colours of plots and widgets.
    virtual void restyle() {}
    // Blocks until what the view computes in the background (thumbnails, the logit lens) for
    // the current snapshot is done and shown; for --screenshot and tests.
    virtual void waitUntilReady() {}
    // A view-specific setting from the command line (tscope --set KEY=VALUE, for scripted
    // screenshots); returns an error message, empty when applied.
    virtual QString setOption(const QString& key, const QString& value) {
        Q_UNUSED(value);
        return QString("the %1 view has no option '%2'").arg(viewName(), key);
    }

  protected:
    Session* session_;
};

}  // namespace tscope::ui
